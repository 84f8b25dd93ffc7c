package dev.eventpipeline.bench;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Splits a JVM's CPU time by kind of thread: JIT compiler, garbage collector, RocksDB background
 * and all others. It reads {@code /proc/PID/task/TID/stat} every 250 ms and keeps each thread's
 * highest reading, so threads that end during the measurement (a finished job's task threads) still
 * count up to their last sample.
 */
final class ThreadCpuSampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadCpuSampler.class);
    private static final double TICKS_PER_SECOND = 100.0;
    private static final long INTERVAL_MILLIS = 250;
    private static final int BUSIEST_NAMES = 10;

    /**
     * Kinds of thread, recognised by the first 15 characters of the name, which is all Linux keeps.
     */
    enum Group {
        JIT("JIT compiler"),
        GC("garbage collector"),
        ROCKSDB("RocksDB background"),
        OTHER("other");

        final String label;

        Group(String label) {
            this.label = label;
        }

        static Group of(String threadName) {
            if (threadName.startsWith("C1 CompilerThre")
                    || threadName.startsWith("C2 CompilerThre")) {
                return JIT;
            }
            if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
                return GC;
            }
            if (threadName.startsWith("rocksdb:")) {
                return ROCKSDB;
            }
            return OTHER;
        }
    }

    private final long pid;
    private final Map<Long, Long> startTicks = new HashMap<>();
    private final Map<Long, Long> lastTicks = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ThreadCpuSampler(long pid) {
        this.pid = pid;
        sample();
        startTicks.putAll(lastTicks);
        sampler = new Thread(this::run, "thread-cpu-sampler-" + pid);
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts sampling process {@code pid}; threads that exist now count from this moment. */
    static ThreadCpuSampler start(long pid) {
        return new ThreadCpuSampler(pid);
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sample();
        }
    }

    private synchronized void sample() {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            threads.forEach(this::sampleThread);
        } catch (IOException e) {
            // The process has exited: the readings so far stand, and sampling ends.
            running = false;
        }
    }

    private void sampleThread(Path thread) {
        String stat;
        try {
            stat = Files.readString(thread.resolve("stat"));
        } catch (IOException e) {
            return; // The thread ended between listing and reading.
        }
        long tid = Long.parseLong(thread.getFileName().toString());
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        // The thread name (field 2) may contain spaces, so fields are counted after its ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        names.put(tid, name);
        lastTicks.merge(tid, ticks, Math::max);
    }

    /** Stops sampling after a last reading. */
    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        try {
            sampler.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }

    /** Returns the CPU seconds that threads of {@code group} used since the start. */
    synchronized double seconds(Group group) {
        long ticks = 0;
        for (Map.Entry<Long, Long> thread : lastTicks.entrySet()) {
            if (Group.of(names.get(thread.getKey())) == group) {
                ticks += thread.getValue() - startTicks.getOrDefault(thread.getKey(), 0L);
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /**
     * Logs the CPU seconds of each group, and of the busiest thread names (the 15 characters Linux
     * keeps, with threads of the same name added up), for the benchmark log.
     */
    void log(String contender) {
        StringBuilder line = new StringBuilder();
        for (Group group : Group.values()) {
            line.append(String.format(" %s %.1f s;", group.label, seconds(group)));
        }
        LOG.info("CPU by thread kind, {}:{}", contender, line);
        Map<String, Long> byName = new HashMap<>();
        synchronized (this) {
            for (Map.Entry<Long, Long> thread : lastTicks.entrySet()) {
                long ticks = thread.getValue() - startTicks.getOrDefault(thread.getKey(), 0L);
                byName.merge(names.get(thread.getKey()), ticks, Long::sum);
            }
        }
        StringBuilder busiest = new StringBuilder();
        byName.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(BUSIEST_NAMES)
                .forEach(
                        e ->
                                busiest.append(
                                        String.format(
                                                " '%s' %.1f s;",
                                                e.getKey(), e.getValue() / TICKS_PER_SECOND)));
        LOG.info("CPU by thread name, {}:{}", contender, busiest);
    }
}
