package dev.eventpipeline.robustness;

import dev.eventpipeline.config.Durations;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.testing.FlinkRest;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.TestClusters;

import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak run of the dedup state: a constant rate of fresh ids for at least 20 minutes, with a dedup
 * TTL far shorter than the run. The dedup operator's state must level off at what the TTL implies
 * (rate times TTL ids, plus the expired ids that RocksDB compaction has not dropped yet) instead of
 * growing with the number of ids seen. Prints and writes the curve to {@code
 * target/soak/dedup-state.csv}.
 *
 * <p>Runs only in the {@code soak} Maven profile: {@code mvn verify -Psoak
 * -Dit.test=DedupStateSoak}. System properties {@code soak.minutes} (default 22), {@code soak.rate}
 * (ids per second, default 400) and {@code soak.ttl} (default 2min) change the run.
 */
class DedupStateSoak {

    private static final Duration RUN = Duration.ofMinutes(Long.getLong("soak.minutes", 22));
    private static final int RATE = Integer.getInteger("soak.rate", 400);
    private static final String TTL = System.getProperty("soak.ttl", "2min");
    private static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(30);
    private static final int KEYS = 50;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(clusterSettings())
                            .build());

    /**
     * Returns the MiniCluster settings: RocksDB metrics on, and managed memory near a deployment's
     * 320 MB per slot. With the MiniCluster's default of 80 MB for two slots, RocksDB's write
     * buffer manager flushes memtables several times a second ("flush_reason": "Write Buffer
     * Manager" in the RocksDB LOG), and each flush grows the MANIFEST that every incremental
     * checkpoint uploads.
     */
    private static Configuration clusterSettings() {
        Configuration configuration = TestClusters.loopbackOnly();
        configuration.setString("taskmanager.memory.managed.size", "640m");
        configuration.setString("state.backend.rocksdb.metrics.estimate-num-keys", "true");
        configuration.setString("state.backend.rocksdb.metrics.live-sst-files-size", "true");
        return configuration;
    }

    /** One row of the curve. */
    private static final class Sample {
        long seconds;
        long idsSent;
        long checkpointId;
        long checkpoints;
        long totalStateBytes;
        long dedupStateBytes;
        double estimatedKeys;
        double liveSstBytes;
        long checkpointMillis;

        String csv() {
            return String.join(
                    ",",
                    Long.toString(seconds),
                    Long.toString(idsSent),
                    Long.toString(checkpointId),
                    Long.toString(checkpoints),
                    Long.toString(totalStateBytes),
                    Long.toString(dedupStateBytes),
                    Long.toString((long) estimatedKeys),
                    Long.toString((long) liveSstBytes),
                    Long.toString(checkpointMillis));
        }
    }

    @Test
    void dedupStateLevelsOffAtTtl(
            @InjectClusterClient ClusterClient<?> cluster, @TempDir Path checkpoints)
            throws Exception {
        String run = "soak-" + Long.toHexString(System.nanoTime());
        Duration ttl = Durations.parse("soak.ttl", TTL);
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createTopic("events", 2);
            broker.createTopic("aggregates", 1);
            broker.createTopic("dead-letters", 1);
            JobConfig config =
                    JobConfigLoader.fromArgs(
                            new String[] {
                                "--set", "name=" + run,
                                "--set", "source.bootstrap-servers=" + broker.bootstrapServers(),
                                "--set", "windows=tumbling:10s",
                                "--set", "watermark.max-out-of-orderness=1s",
                                "--set", "dedup.ttl=" + TTL,
                                "--set", "parallelism=2",
                                "--set", "checkpoint.interval=10s"
                            },
                            Map.of());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            Configuration storage = new Configuration();
            storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            env.configure(storage);
            PipelineJob.define(env, config);
            JobClient job = env.executeAsync(run);
            String jobId = job.getJobID().toHexString();
            FlinkRest rest = new FlinkRest(cluster.getWebInterfaceURL());

            AtomicLong sent = new AtomicLong();
            ScheduledExecutorService producerThread = Executors.newSingleThreadScheduledExecutor();
            List<Sample> samples = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer =
                    KafkaTestIo.producer(broker.bootstrapServers())) {
                producerThread.scheduleAtFixedRate(
                        () -> sendBatch(producer, run, sent, RATE / 10),
                        0,
                        100,
                        TimeUnit.MILLISECONDS);
                String dedupVertex = rest.vertexId(jobId, OperatorIds.DEDUP_NAME);
                long start = System.nanoTime();
                long deadline = start + RUN.toNanos();
                System.out.printf(
                        "DedupStateSoak: %d ids/s for %s, dedup TTL %s, so about %d live ids%n",
                        RATE, RUN, TTL, RATE * ttl.toSeconds());
                System.out.println(
                        "seconds,ids_sent,checkpoint,completed,total_state_bytes,dedup_state_bytes,"
                                + "estimated_keys,live_sst_bytes,checkpoint_ms");
                while (System.nanoTime() < deadline) {
                    Thread.sleep(SAMPLE_INTERVAL.toMillis());
                    Sample sample = sample(rest, jobId, dedupVertex, start, sent.get());
                    samples.add(sample);
                    System.out.println(sample.csv());
                }
            } finally {
                producerThread.shutdownNow();
                producerThread.awaitTermination(10, TimeUnit.SECONDS);
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            writeCsv(samples);
            assertLevelsOff(samples, ttl);
        }
    }

    private static void sendBatch(
            KafkaProducer<byte[], byte[]> producer, String run, AtomicLong sent, int count) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            long sequence = sent.getAndIncrement();
            String key = "k" + (sequence % KEYS);
            String json =
                    "{\"id\":\""
                            + run
                            + "-"
                            + sequence
                            + "\",\"ts\":"
                            + now
                            + ",\"key\":\""
                            + key
                            + "\",\"value\":1}";
            producer.send(
                    new ProducerRecord<>(
                            "events",
                            key.getBytes(StandardCharsets.UTF_8),
                            json.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static Sample sample(
            FlinkRest rest, String jobId, String dedupVertex, long start, long idsSent) {
        Sample sample = new Sample();
        sample.seconds = (System.nanoTime() - start) / 1_000_000_000L;
        sample.idsSent = idsSent;
        JsonNode stats = rest.checkpoints(jobId);
        sample.checkpoints = stats.get("counts").get("completed").asLong();
        JsonNode latest = stats.get("latest").get("completed");
        if (latest != null && !latest.isNull()) {
            sample.checkpointId = latest.get("id").asLong();
            sample.totalStateBytes = latest.get("state_size").asLong();
            sample.checkpointMillis = latest.get("end_to_end_duration").asLong();
            sample.dedupStateBytes = rest.vertexStateSize(jobId, sample.checkpointId, dedupVertex);
        }
        sample.estimatedKeys = sumOf(rest, jobId, dedupVertex, "estimate-num-keys");
        sample.liveSstBytes = sumOf(rest, jobId, dedupVertex, "live-sst-files-size");
        return sample;
    }

    private static double sumOf(FlinkRest rest, String jobId, String vertex, String fragment) {
        double sum = 0;
        for (String metric : rest.metricIds(jobId, vertex, fragment)) {
            double value = rest.metricSum(jobId, vertex, metric);
            if (value > 0) {
                sum += value;
            }
        }
        return sum;
    }

    private static void writeCsv(List<Sample> samples) throws IOException {
        Path file = Paths.get("target", "soak", "dedup-state.csv");
        Files.createDirectories(file.getParent());
        StringBuilder text =
                new StringBuilder(
                        "seconds,ids_sent,checkpoint,completed,total_state_bytes,dedup_state_bytes,"
                                + "estimated_keys,live_sst_bytes,checkpoint_ms\n");
        for (Sample sample : samples) {
            text.append(sample.csv()).append('\n');
        }
        Files.writeString(file, text);
        System.out.println("DedupStateSoak: wrote " + file.toAbsolutePath());
    }

    /**
     * Asserts the plateau. Once the TTL has passed twice, the dedup state of the last quarter of
     * the run must be below 1.5 times that of the first quarter, where a state that keeps every id
     * would be more than twice as large. The estimated key count must stay below 3 times rate times
     * TTL while the ids sent are more than 4 times that.
     */
    private static void assertLevelsOff(List<Sample> samples, Duration ttl) {
        long settled = 2 * ttl.toSeconds() + 60;
        List<Sample> afterTtl = new ArrayList<>();
        for (Sample sample : samples) {
            if (sample.seconds >= settled) {
                afterTtl.add(sample);
            }
        }
        assertThat(afterTtl.size()).as("samples after twice the TTL").isGreaterThanOrEqualTo(8);
        int quarter = afterTtl.size() / 4;
        double early = meanDedupBytes(afterTtl.subList(0, quarter));
        double late = meanDedupBytes(afterTtl.subList(afterTtl.size() - quarter, afterTtl.size()));
        Sample last = samples.get(samples.size() - 1);
        System.out.printf(
                "DedupStateSoak: dedup state %.0f bytes early, %.0f bytes late (ratio %.2f);"
                        + " %d ids sent, %.0f keys estimated at the end%n",
                early, late, late / early, last.idsSent, last.estimatedKeys);

        assertThat(early).as("dedup state after the TTL").isPositive();
        assertThat(late / early).as("growth of the dedup state").isLessThan(1.5);
        double liveIds = (double) RATE * ttl.toSeconds();
        assertThat(last.estimatedKeys).as("estimated keys").isLessThan(3 * liveIds);
        assertThat((double) last.idsSent).as("ids sent").isGreaterThan(4 * liveIds);
        assertThat(last.checkpoints).as("completed checkpoints").isGreaterThan(samples.size());
    }

    private static double meanDedupBytes(List<Sample> samples) {
        return samples.stream().mapToLong(sample -> sample.dedupStateBytes).average().orElse(0);
    }
}
