package dev.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Summarises an async-profiler CPU profile in collapsed form, recorded with its {@code threads}
 * option: the share of samples of each thread (subtasks and thread ids merged), and for the threads
 * whose name starts with a given prefix the top frames by self and by total samples. Native frames
 * (RocksDB, the JVM, the kernel) count like Java ones, unlike in a JFR profile.
 *
 * <pre>java -cp ... dev.eventpipeline.bench.CollapsedTop FILE.collapsed [THREAD_PREFIX [N]]</pre>
 */
public final class CollapsedTop {

    private CollapsedTop() {}

    private static final String USAGE = "usage: CollapsedTop FILE.collapsed [THREAD_PREFIX [N]]";

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3 || (args.length == 3 && !args[2].matches("\\d+"))) {
            System.err.println(USAGE);
            System.exit(2);
        }
        String prefix = args.length > 1 ? args[1] : null;
        int limit = args.length > 2 ? Integer.parseInt(args[2]) : 25;

        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        long samples = 0;
        long selected = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long count = Long.parseLong(line.substring(space + 1).trim());
            String[] frames = line.substring(0, space).split(";");
            String thread = threadName(frames[0]);
            samples += count;
            byThread.merge(thread, count, Long::sum);
            if (prefix == null || !thread.startsWith(prefix)) {
                continue;
            }
            selected += count;
            self.merge(frames[frames.length - 1], count, Long::sum);
            Set<String> seen = new HashSet<>();
            for (int i = 1; i < frames.length; i++) {
                if (seen.add(frames[i])) {
                    total.merge(frames[i], count, Long::sum);
                }
            }
        }
        System.out.printf("%s: %d CPU samples%n", args[0], samples);
        JfrTop.print("threads", byThread, samples, limit);
        if (prefix != null) {
            System.out.printf("%nthreads starting with '%s': %d samples%n", prefix, selected);
            JfrTop.print("self", self, selected, limit);
            JfrTop.print("total", total, selected, limit);
        }
    }

    /**
     * Returns the thread's name without its thread id and subtask index: "[Deduplicate by id
     * (1/2)#0 tid=42]" becomes "Deduplicate by id".
     */
    static String threadName(String frame) {
        String name = frame;
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        name = name.replaceAll(" tid=\\d+$", "");
        name = name.replaceAll(" \\(\\d+/\\d+\\)(#\\d+)?$", "");
        return name;
    }
}
