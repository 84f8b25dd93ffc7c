package dev.eventpipeline.cluster;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.ExactlyOnceCheck;
import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.LiveInput;
import dev.eventpipeline.testing.OutputChecks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One job run of a cluster test: its own topics on the broker, the {@code flink run} settings of
 * the job, and the committed output read back with {@code read_committed}.
 */
final class ClusterTestRun {

    /** Window specs of the cluster tests: small, so that windows close within seconds. */
    static final String TUMBLING = "tumbling:2s";

    static final String SLIDING = "sliding:6s/2s";

    private static final Logger LOG = LoggerFactory.getLogger(ClusterTestRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LOGGED_DUPLICATES = 10;

    final String name;
    final String inputTopic;
    final String aggregatesTopic;
    final String deadLettersTopic;
    final int partitions;
    private final KafkaBroker broker;

    private ClusterTestRun(KafkaBroker broker, String name, int partitions) {
        this.broker = broker;
        this.name = name;
        this.inputTopic = "events-" + name;
        this.aggregatesTopic = "aggregates-" + name;
        this.deadLettersTopic = "dead-letters-" + name;
        this.partitions = partitions;
    }

    /** Creates the three topics of a new run named {@code prefix} plus a random suffix. */
    static ClusterTestRun create(KafkaBroker broker, String prefix, int partitions) {
        ClusterTestRun run =
                new ClusterTestRun(
                        broker,
                        prefix + "-" + UUID.randomUUID().toString().substring(0, 8),
                        partitions);
        broker.createTopic(run.inputTopic, partitions);
        broker.createTopic(run.aggregatesTopic, 1);
        broker.createTopic(run.deadLettersTopic, 1);
        return run;
    }

    /**
     * Returns the submission of this run's job: its topics and name, a 1 s out-of-orderness bound,
     * and checkpoints every second (the cluster's own interval is 10 s, with a 5 s minimum pause).
     */
    FlinkCluster.Submission submission(String windows, int parallelism) {
        return new FlinkCluster.Submission()
                .set("name", name)
                .set("source.bootstrap-servers", broker.bootstrapServers())
                .set("source.topic", inputTopic)
                .set("sink.topic", aggregatesTopic)
                .set("dlq.topic", deadLettersTopic)
                .set("windows", windows)
                .set("watermark.max-out-of-orderness", "1s")
                .set("parallelism", Integer.toString(parallelism))
                .flinkSetting("execution.checkpointing.interval", "1s")
                .flinkSetting("execution.checkpointing.min-pause", "0ms");
    }

    /** Returns a live input to this run's input topic at 100 records per second. */
    LiveInput liveInput() {
        return new LiveInput(broker.bootstrapServers(), inputTopic, partitions, name, 100);
    }

    List<ConsumerRecord<byte[], byte[]>> aggregates() {
        return KafkaTestIo.readCommitted(broker.bootstrapServers(), aggregatesTopic);
    }

    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return KafkaTestIo.readCommitted(broker.bootstrapServers(), deadLettersTopic);
    }

    /** Returns the latest window start (epoch ms) among the given aggregates of a spec. */
    static long latestWindowStart(List<ConsumerRecord<byte[], byte[]>> aggregates, String spec) {
        long latest = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            JsonNode value = parse(record.value());
            if (value.get("window").asText().equals(spec)) {
                latest =
                        Math.max(latest, Instant.parse(value.get("start").asText()).toEpochMilli());
            }
        }
        return latest;
    }

    /** Waits until some aggregate has been committed, so the job's output flows. */
    void awaitFirstAggregate(Duration timeout) {
        FlinkCluster.awaitCondition(
                "a committed aggregate in " + aggregatesTopic,
                timeout,
                () -> !aggregates().isEmpty());
    }

    /**
     * Waits until the committed output contains every aggregate and dead letter that the {@code
     * produced} records imply, then checks it in full and returns the counts it implies.
     */
    ExactlyOnceCheck.Counts awaitAndCheckOutput(
            List<LiveInput.Produced> produced,
            Map<String, Predicate<LiveInput.Produced>> windows,
            Duration timeout) {
        AtomicReference<List<ConsumerRecord<byte[], byte[]>>> aggregates = new AtomicReference<>();
        AtomicReference<List<ConsumerRecord<byte[], byte[]>>> letters = new AtomicReference<>();
        AtomicReference<ExactlyOnceCheck.Expected> expected = new AtomicReference<>();
        try {
            FlinkCluster.awaitCondition(
                    "the complete output of " + name,
                    timeout,
                    () -> {
                        letters.set(deadLetters());
                        aggregates.set(aggregates());
                        expected.set(ExactlyOnceCheck.expected(produced, windows, letters.get()));
                        return ExactlyOnceCheck.complete(
                                expected.get(), aggregates.get(), letters.get());
                    });
        } catch (IllegalStateException e) {
            // Report what is there: the assertions below name the missing records.
            LOG.error("Output of {} incomplete: {}", name, e.getMessage());
        }
        logSummary(expected.get(), aggregates.get());
        return ExactlyOnceCheck.assertOutput(
                produced,
                expected.get(),
                aggregates.get(),
                letters.get(),
                TUMBLING,
                inputTopic,
                name);
    }

    /**
     * Logs how the committed aggregates compare with the expected ones, and the first few that were
     * written more than once, so a failure shows its records.
     */
    private void logSummary(
            ExactlyOnceCheck.Expected expected, List<ConsumerRecord<byte[], byte[]>> aggregates) {
        Map<String, Integer> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            seen.merge(aggregateId(record), 1, Integer::sum);
        }
        long duplicated = seen.values().stream().filter(count -> count > 1).count();
        long missing =
                expected.aggregates.keySet().stream().filter(id -> !seen.containsKey(id)).count();
        long unexpected =
                seen.keySet().stream().filter(id -> !expected.aggregates.containsKey(id)).count();
        LOG.info(
                "Output of {}: expected {} aggregates, read {} ({} distinct), duplicated {},"
                        + " missing {}, unexpected {}; {} expected dead letters, {} of them late",
                name,
                expected.aggregates.size(),
                aggregates.size(),
                seen.size(),
                duplicated,
                missing,
                unexpected,
                expected.deadLetters.size(),
                expected.lateOrigins.size());
        int logged = 0;
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            if (seen.get(aggregateId(record)) > 1 && logged++ < MAX_LOGGED_DUPLICATES) {
                LOG.warn(
                        "Aggregate written more than once, this copy at offset {}: {}",
                        record.offset(),
                        new String(record.value(), StandardCharsets.UTF_8));
            }
        }
    }

    private static String aggregateId(ConsumerRecord<byte[], byte[]> record) {
        JsonNode value = parse(record.value());
        return OutputChecks.aggregateId(
                value.get("window").asText(),
                value.get("key").asText(),
                value.get("start").asText());
    }

    /**
     * Waits until the job's own counters balance ({@code recordsIn = invalid + duplicates + late +
     * accepted}) over the current run of its tasks, and returns them. The counters start at zero
     * whenever tasks restart, so they cover the records since the last restore.
     */
    static Map<String, Long> awaitBalancedCounters(
            FlinkCluster cluster, String jobId, Duration timeout) {
        AtomicReference<Map<String, Long>> counters = new AtomicReference<>();
        FlinkCluster.awaitCondition(
                "balanced counters of job " + jobId,
                timeout,
                () -> {
                    Map<String, Long> values = new HashMap<>();
                    for (String metric :
                            List.of(
                                    PipelineMetrics.RECORDS_IN,
                                    PipelineMetrics.INVALID,
                                    PipelineMetrics.DUPLICATES,
                                    PipelineMetrics.LATE,
                                    PipelineMetrics.ACCEPTED)) {
                        values.put(metric, cluster.metricSum(jobId, metric));
                    }
                    counters.set(values);
                    return values.get(PipelineMetrics.RECORDS_IN) > 0
                            && values.get(PipelineMetrics.RECORDS_IN)
                                    == values.get(PipelineMetrics.INVALID)
                                            + values.get(PipelineMetrics.DUPLICATES)
                                            + values.get(PipelineMetrics.LATE)
                                            + values.get(PipelineMetrics.ACCEPTED);
                });
        LOG.info("Counters of job {} since its last start: {}", jobId, counters.get());
        assertThat(counters.get().get(PipelineMetrics.RECORDS_IN))
                .as("recordsIn counter")
                .isPositive();
        return counters.get();
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
