package dev.eventpipeline.robustness;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.testing.FlinkRest;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.TestClusters;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * One backpressure run: input is written first, then the job runs bounded over it with every
 * producer of its sinks slowed by {@link SlowProducerInterceptor} to one record per set interval,
 * so the sinks are slower than the source. The input has one key per event, so each event makes an
 * aggregate and the output is about as large as the input. While the job runs, the drill samples
 * the source's backpressure, the source's rate and the heap, and afterwards it reads the checkpoint
 * history and the committed output.
 */
final class BackpressureDrill {

    /** Figures of one run. */
    static final class Report {
        String mode;
        DrillInput input;
        double seconds;
        double maxBackPressuredRatio;
        double backPressuredMillis;
        double meanSourceRecordsPerSecond;
        long baselineHeapBytes;
        long peakLiveHeapBytes;
        long peakNetworkBytes;
        long totalNetworkBytes;
        int completedCheckpoints;
        int failedCheckpoints;
        long maxCheckpointMillis;
        long meanCheckpointMillis;
        long maxPersistedInFlightBytes;
        int late;
        long openTransactionRecords;
        double windowLateDropped;
        long missing;
        final Set<String> checkpointFailures = new TreeSet<>();
        List<ConsumerRecord<byte[], byte[]>> aggregates;
        List<ConsumerRecord<byte[], byte[]>> deadLetters;

        String row() {
            return String.format(
                    "| %s | %d | %d | %d | %.0f | %.0f | %.0f | %.2f | %.1f | %d / %d | %d | %d | %.0f | %.0f |"
                            + " %.0f of %.0f |",
                    mode,
                    input.sent(),
                    late,
                    missing,
                    windowLateDropped,
                    seconds,
                    meanSourceRecordsPerSecond,
                    maxBackPressuredRatio,
                    backPressuredMillis / 1000.0,
                    completedCheckpoints,
                    failedCheckpoints,
                    meanCheckpointMillis,
                    maxCheckpointMillis,
                    maxPersistedInFlightBytes / 1024.0,
                    (peakLiveHeapBytes - baselineHeapBytes) / 1048576.0,
                    peakNetworkBytes / 1048576.0,
                    totalNetworkBytes / 1048576.0);
        }
    }

    static final String HEADER =
            "| mode | records | late | missing | dropped by window | run s | source rec/s | max backpressured | source backpressured"
                    + " s | checkpoints ok / failed | mean checkpoint ms | max checkpoint ms | max in-flight data KiB |"
                    + " live heap growth MiB | network buffers used MiB |";

    private BackpressureDrill() {}

    /**
     * Runs the job on a MiniCluster with {@code clusterSettings} added to the loopback settings,
     * against {@code broker}, with each sink producer sending at most one record per {@code
     * perRecord}.
     */
    static Report run(
            String mode,
            Configuration clusterSettings,
            KafkaBroker broker,
            int records,
            Duration perRecord,
            String idleTimeout,
            Path checkpoints)
            throws Exception {
        String run =
                "backpressure-"
                        + mode.replaceAll("[^A-Za-z0-9]+", "-")
                        + "-"
                        + Long.toHexString(System.nanoTime());
        String topic = "events-" + run;
        broker.createTopic(topic, 2);
        broker.createTopic("aggregates-" + run, 1);
        broker.createTopic("dead-letters-" + run, 1);
        List<String> windows = List.of("tumbling:1s");
        DrillInput input = new DrillInput(run, topic, 2, windows, Integer.MAX_VALUE);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            for (int i = 0; i < records; i++) {
                input.sendNext(producer);
            }
            producer.flush();
        }

        Configuration configuration = TestClusters.loopbackOnly();
        // The REST API serves metrics fetched at this interval (10 s by default).
        configuration.setString("metrics.fetcher.update-interval", "500");
        configuration.addAll(clusterSettings);
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(configuration)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(2)
                                .build());
        cluster.start();
        TestStreamEnvironment.setAsContext(cluster, 2);
        Report report = new Report();
        report.mode = mode;
        report.input = input;
        try {
            JobConfig config =
                    JobConfigLoader.fromArgs(
                            new String[] {
                                "--set",
                                "name=" + run,
                                "--set",
                                "source.bootstrap-servers=" + broker.bootstrapServers(),
                                "--set",
                                "source.topic=" + topic,
                                "--set",
                                "sink.topic=aggregates-" + run,
                                "--set",
                                "dlq.topic=dead-letters-" + run,
                                "--set",
                                "windows=" + String.join(",", windows),
                                "--set",
                                "watermark.max-out-of-orderness=200ms",
                                // A source that backpressure holds up for longer than this is
                                // taken for idle, and the other source's events may then be late.
                                "--set",
                                "watermark.idle-timeout=" + idleTimeout,
                                "--set",
                                "bounded=true",
                                "--set",
                                "parallelism=2",
                                "--set",
                                "checkpoint.interval=2s",
                                "--set",
                                "sink.transaction-timeout=5min",
                                "--set",
                                "sink.properties.interceptor.classes="
                                        + SlowProducerInterceptor.class.getName(),
                                "--set",
                                "sink.properties."
                                        + SlowProducerInterceptor.NANOS_PER_RECORD
                                        + "="
                                        + perRecord.toNanos()
                            },
                            Map.of());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            Configuration jobSettings = new Configuration();
            jobSettings.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            jobSettings.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(2));
            jobSettings.addAll(clusterSettings);
            env.configure(jobSettings);
            PipelineJob.define(env, config);

            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            report.baselineHeapBytes = liveHeapBytes(memory);
            report.peakLiveHeapBytes = report.baselineHeapBytes;
            long start = System.nanoTime();
            JobClient job = env.executeAsync(run);
            String jobId = job.getJobID().toHexString();
            FlinkRest rest = new FlinkRest(cluster.getRestAddress().get().toString());
            String sourceVertex = rest.vertexId(jobId, OperatorIds.SOURCE_NAME);
            String windowVertex = rest.vertexId(jobId, "Window ");
            List<Double> rates = new ArrayList<>();
            int samples = 0;
            while (!job.getJobExecutionResult().isDone()) {
                sampleSource(rest, jobId, sourceVertex, report, rates);
                sampleNetworkMemory(rest, report);
                sampleWindowDrops(rest, jobId, windowVertex, report);
                if (++samples % 10 == 0) {
                    report.peakLiveHeapBytes =
                            Math.max(report.peakLiveHeapBytes, liveHeapBytes(memory));
                }
                Thread.sleep(500);
            }
            JobExecutionResult result = job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            report.seconds = (System.nanoTime() - start) / 1e9;
            report.meanSourceRecordsPerSecond =
                    rates.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            readCheckpoints(rest, jobId, report);
            System.out.println(
                    "BackpressureDrill "
                            + mode
                            + ": job ran "
                            + result.getNetRuntime()
                            + " ms; checkpoint failures: "
                            + report.checkpointFailures);
        } finally {
            TestStreamEnvironment.unsetAsContext();
            cluster.close();
        }
        report.openTransactionRecords =
                uncommittedTail(broker.bootstrapServers(), "aggregates-" + run);
        report.aggregates =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), "aggregates-" + run);
        report.deadLetters =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), "dead-letters-" + run);
        System.out.println(
                "BackpressureDrill "
                        + mode
                        + ": "
                        + report.openTransactionRecords
                        + " offsets of the results topic behind an open transaction; "
                        + report.aggregates.size()
                        + " committed aggregates");
        for (ConsumerRecord<byte[], byte[]> letter : report.deadLetters) {
            Map<String, String> headers = OutputChecks.headers(letter);
            if ("late".equals(headers.get("dlq.reason"))) {
                report.late++;
                if (report.late <= 5) {
                    System.out.println(
                            "BackpressureDrill "
                                    + mode
                                    + ": late "
                                    + headers.get("dlq.partition")
                                    + "/"
                                    + headers.get("dlq.offset")
                                    + " "
                                    + new String(letter.value(), StandardCharsets.UTF_8));
                }
            }
        }
        report.missing = input.accepted() - input.acceptedInOutput(report.aggregates) - report.late;
        return report;
    }

    /**
     * Returns the heap in use right after a full collection, which is the live data of this JVM
     * (the MiniCluster, the test and the Kafka clients) without garbage not collected yet.
     */
    private static long liveHeapBytes(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /**
     * Returns how many offsets of {@code topic} lie beyond the last stable offset, that is behind a
     * transaction that is still open. A finished job must leave none.
     */
    private static long uncommittedTail(String bootstrapServers, String topic) {
        long tail = 0;
        for (String isolation : List.of("read_uncommitted", "read_committed")) {
            Properties properties = new Properties();
            properties.put("bootstrap.servers", bootstrapServers);
            properties.put("isolation.level", isolation);
            properties.put("key.deserializer", ByteArrayDeserializer.class.getName());
            properties.put("value.deserializer", ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
                TopicPartition partition = new TopicPartition(topic, 0);
                long end =
                        consumer.endOffsets(List.of(partition), Duration.ofSeconds(30))
                                .get(partition);
                tail += isolation.equals("read_uncommitted") ? end : -end;
            }
        }
        return tail;
    }

    /**
     * Records Flink's count of events that a window operator dropped because their window had fired
     * already. The late router is meant to keep this at 0.
     */
    private static void sampleWindowDrops(
            FlinkRest rest, String jobId, String vertex, Report report) {
        try {
            for (String metric : rest.metricIds(jobId, vertex, "numLateRecordsDropped")) {
                report.windowLateDropped =
                        Math.max(report.windowLateDropped, rest.metricSum(jobId, vertex, metric));
            }
        } catch (RuntimeException e) {
            // The job may finish between two calls; the next loop test ends the sampling.
        }
    }

    /** Records the task manager's network buffer memory in use and its total. */
    private static void sampleNetworkMemory(FlinkRest rest, Report report) {
        try {
            for (JsonNode taskManager : rest.get("/taskmanagers").get("taskmanagers")) {
                String id = taskManager.get("id").asText();
                JsonNode values =
                        rest.get(
                                "/taskmanagers/"
                                        + id
                                        + "/metrics?get=Status.Shuffle.Netty.UsedMemory,"
                                        + "Status.Shuffle.Netty.TotalMemory");
                for (JsonNode value : values) {
                    long bytes = value.get("value").asLong();
                    if (value.get("id").asText().endsWith("UsedMemory")) {
                        report.peakNetworkBytes = Math.max(report.peakNetworkBytes, bytes);
                    } else {
                        report.totalNetworkBytes = bytes;
                    }
                }
            }
        } catch (RuntimeException e) {
            // The metric may not be registered yet; the next sample tries again.
        }
    }

    /** Records the source's backpressured ratio and its rate while records flow. */
    private static void sampleSource(
            FlinkRest rest, String jobId, String vertex, Report report, List<Double> rates) {
        try {
            JsonNode backpressure =
                    rest.get("/jobs/" + jobId + "/vertices/" + vertex + "/backpressure");
            JsonNode subtasks = backpressure.get("subtasks");
            if (subtasks != null) {
                for (JsonNode subtask : subtasks) {
                    report.maxBackPressuredRatio =
                            Math.max(
                                    report.maxBackPressuredRatio, subtask.path("ratio").asDouble());
                }
            }
            report.backPressuredMillis =
                    Math.max(
                            report.backPressuredMillis,
                            rest.metricSum(jobId, vertex, "accumulateBackPressuredTimeMs"));
            double rate = rest.metricSum(jobId, vertex, "numRecordsOutPerSecond");
            if (rate > 0) {
                rates.add(rate);
            }
        } catch (RuntimeException e) {
            // The job may finish between two calls; the next loop test ends the sampling.
        }
    }

    private static void readCheckpoints(FlinkRest rest, String jobId, Report report) {
        JsonNode stats = rest.checkpoints(jobId);
        report.completedCheckpoints = stats.get("counts").get("completed").asInt();
        report.failedCheckpoints = stats.get("counts").get("failed").asInt();
        long total = 0;
        int count = 0;
        for (JsonNode checkpoint : stats.get("history")) {
            if (!checkpoint.get("status").asText().equals("COMPLETED")) {
                report.checkpointFailures.add(
                        checkpoint
                                .path("failure_message")
                                .asText("(no message)")
                                .lines()
                                .findFirst()
                                .orElse(""));
                continue;
            }
            long millis = checkpoint.get("end_to_end_duration").asLong();
            report.maxCheckpointMillis = Math.max(report.maxCheckpointMillis, millis);
            report.maxPersistedInFlightBytes =
                    Math.max(
                            report.maxPersistedInFlightBytes,
                            checkpoint.path("persisted_data").asLong());
            total += millis;
            count++;
        }
        report.meanCheckpointMillis = count == 0 ? 0 : total / count;
    }
}
