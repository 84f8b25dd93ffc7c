package dev.eventpipeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Measures result latency: input is produced live at a fixed rate with event time equal to the wall
 * clock minus up to the out-of-orderness bound, the job runs unbounded, and for every aggregate a
 * {@code read_committed} reader notes when it became visible. The latency of a result is that
 * moment minus (window end + bound), the earliest moment at which the watermark can pass the
 * window's end. One run per checkpoint interval; the table shows p50, p99 and max.
 */
public final class LatencyBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(LatencyBenchmark.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Args args;
    private final Path repo;
    private final Path home;
    private final String bootstrapServers;
    private final FlinkCluster cluster;
    private final int rate;
    private final int seconds;
    private final int warmupSeconds;
    private final int keys;
    private final long boundMillis;
    private final String windows;
    private final List<String> intervals;

    LatencyBenchmark(Args args) {
        this.args = args;
        this.repo = Path.of(args.required("repo")).toAbsolutePath();
        this.home = Path.of(args.required("home")).toAbsolutePath();
        this.bootstrapServers = args.required("bootstrap-servers");
        this.cluster =
                new FlinkCluster(
                        repo,
                        home,
                        args.getInt("rest-port", 38081),
                        args.getInt("rpc-port", 36123),
                        args.get("metrics-ports", "39250-39260"));
        this.rate = args.getInt("rate", 2_000);
        this.seconds = args.getInt("seconds", 90);
        this.warmupSeconds = args.getInt("warmup-seconds", 20);
        this.keys = args.getInt("keys", 100);
        this.boundMillis = args.getLong("bound-ms", 5_000);
        this.windows = args.get("windows", "tumbling:10s,sliding:30s/10s");
        this.intervals = List.of(args.get("intervals", "1s,5s,10s").split(","));
        // Options the run script passes to both benchmarks.
        args.get("broker-pid", "");
        args.get("benchmark-classpath", "");
        args.get("broker-classpath", "");
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        LatencyBenchmark benchmark = new LatencyBenchmark(args);
        args.rejectUnused();
        benchmark.run();
    }

    void run() throws Exception {
        String runId = Long.toString(System.currentTimeMillis() / 1000);
        Path results = home.resolve("results/latency-" + runId);
        Files.createDirectories(results);
        StringBuilder table = new StringBuilder();
        table.append(
                String.format(
                        "Live input: %,d events/s over 4 partitions, %d keys, event time = wall clock"
                                + " minus up to %d ms; windows %s; bound %d ms; %d s per run, the"
                                + " first %d s not counted%n",
                        rate, keys, boundMillis, windows, boundMillis, seconds, warmupSeconds));
        table.append(
                String.format(
                        "%-22s %8s %10s %10s %10s %10s%n",
                        "checkpoint interval", "results", "p50 ms", "p99 ms", "max ms", "goal ms"));
        for (String interval : intervals) {
            List<Long> latencies = measure(runId, interval.trim());
            long goal = durationMillis(interval.trim()) + 2_000;
            table.append(
                    String.format(
                            "%-22s %8d %10d %10d %10d %10d%n",
                            interval.trim(),
                            latencies.size(),
                            percentile(latencies, 50),
                            percentile(latencies, 99),
                            latencies.isEmpty() ? -1 : latencies.get(latencies.size() - 1),
                            goal));
        }
        Files.writeString(results.resolve("table.txt"), table);
        System.out.println(table);
        LOG.info("Results are in {}", results);
    }

    private List<Long> measure(String runId, String interval) throws Exception {
        String name = "bench-latency-" + runId + "-" + interval;
        String input = name + "-events";
        String output = name + "-aggregates";
        String deadLetters = name + "-dead-letters";
        KafkaIo.createTopics(bootstrapServers, Map.of(input, 4, output, 1, deadLetters, 1));
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long[] countFrom = new long[1];
        cluster.start();
        try (OutputWatcher watcher =
                new OutputWatcher(
                        bootstrapServers,
                        output,
                        (record, arrival) -> {
                            long end = windowEnd(record.value());
                            if (end >= countFrom[0]) {
                                latencies.add(arrival - (end + boundMillis));
                            }
                        })) {
            List<String> run = new ArrayList<>();
            run.add("-D");
            run.add("execution.checkpointing.interval=" + interval);
            run.add("-D");
            run.add("execution.checkpointing.min-pause=0ms");
            run.add(repo.resolve("target/event-pipeline.jar").toString());
            for (String set :
                    List.of(
                            "name=" + name,
                            "source.bootstrap-servers=" + bootstrapServers,
                            "source.topic=" + input,
                            "source.starting-offsets=earliest",
                            "sink.topic=" + output,
                            "dlq.topic=" + deadLetters,
                            "windows=" + windows,
                            "watermark.max-out-of-orderness=" + boundMillis + "ms",
                            "parallelism=2")) {
                run.add("--set");
                run.add(set);
            }
            String jobId = cluster.submit(run);
            countFrom[0] = System.currentTimeMillis() + warmupSeconds * 1000L;
            LOG.info(
                    "Latency run {}: job {} ({}), producing {} events/s for {} s",
                    interval,
                    name,
                    jobId,
                    rate,
                    seconds);
            produceLive(input, Duration.ofSeconds(seconds));
            cluster.cancel(jobId);
        } finally {
            cluster.stop();
        }
        KafkaIo.deleteTopicsWithPrefix(bootstrapServers, name);
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        LOG.info(
                "Latency run {}: {} results, p50 {} ms, p99 {} ms",
                interval,
                sorted.size(),
                percentile(sorted, 50),
                percentile(sorted, 99));
        return sorted;
    }

    /** Produces events at {@link #rate} per second for {@code duration}, in 10 ms batches. */
    private void produceLive(String topic, Duration duration) throws InterruptedException {
        Properties properties = KafkaIo.producerProperties(bootstrapServers);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        SplittableRandom random = new SplittableRandom(7);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long sent = 0;
        AtomicBoolean failed = new AtomicBoolean();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            while (System.nanoTime() < end && !failed.get()) {
                long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                for (; sent < due; sent++) {
                    long ts = System.currentTimeMillis() - random.nextLong(boundMillis);
                    String key = "k" + random.nextInt(keys);
                    String value =
                            "{\"id\":\"live-"
                                    + sent
                                    + "\",\"ts\":"
                                    + ts
                                    + ",\"key\":\""
                                    + key
                                    + "\",\"value\":"
                                    + random.nextInt(1000)
                                    + "}";
                    producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    (int) (sent % 4),
                                    key.getBytes(StandardCharsets.UTF_8),
                                    value.getBytes(StandardCharsets.UTF_8)),
                            (metadata, e) -> {
                                if (e != null && failed.compareAndSet(false, true)) {
                                    LOG.error("Producing live input failed", e);
                                }
                            });
                }
                Thread.sleep(10);
            }
        }
        if (failed.get()) {
            throw new IllegalStateException("producing live input to " + topic + " failed");
        }
        LOG.info("Produced {} live events to {}", sent, topic);
    }

    private static long windowEnd(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            return Instant.parse(node.path("end").asText()).toEpochMilli();
        } catch (IOException e) {
            throw new IllegalStateException("an aggregate is not JSON", e);
        }
    }

    private static long percentile(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static long durationMillis(String text) {
        if (text.endsWith("ms")) {
            return Long.parseLong(text.substring(0, text.length() - 2));
        }
        if (text.endsWith("s")) {
            return Long.parseLong(text.substring(0, text.length() - 1)) * 1000;
        }
        throw new IllegalArgumentException(
                "invalid checkpoint interval '" + text + "': expected e.g. 500ms or 5s");
    }
}
