package dev.eventpipeline.replay;

import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the dead-letter replay on a Flink MiniCluster against a real Kafka broker: records that the
 * pipeline rejected are republished, pass a pipeline whose job file accepts them, and come out as
 * aggregates exactly once even when the replay ran twice.
 */
class DeadLetterReplayIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    /** 2026-12-04T10:00:00Z: the window start of every event below. */
    private static final long T0 = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

    @TempDir Path checkpoints;

    private KafkaBroker broker;
    private String run;

    @BeforeEach
    void setUp() {
        broker = SharedKafkaBroker.get();
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void replayedInvalidRecordsBecomeAggregatesOnce() throws Exception {
        String events = "events-" + run;
        String aggregates = "aggregates-" + run;
        String deadLetters = "dead-letters-" + run;
        String fixedEvents = "events-fixed-" + run;
        String fixedAggregates = "aggregates-fixed-" + run;
        String fixedDeadLetters = "dead-letters-fixed-" + run;
        broker.createTopic(events, 2);
        broker.createTopic(aggregates, 1);
        broker.createTopic(deadLetters, 1);
        broker.createTopic(fixedEvents, 2);
        broker.createTopic(fixedAggregates, 1);
        broker.createTopic(fixedDeadLetters, 1);

        // Two valid events, four whose producer named the event-time field "time" instead of
        // "ts", and one record that no rule can fix.
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            send(producer, events, 0, "a", event("v1", "ts", T0 + 1_000, "a", 1));
            send(producer, events, 1, "b", event("v2", "ts", T0 + 2_000, "b", 2));
            send(producer, events, 0, "a", event("r1", "time", T0 + 3_000, "a", 10));
            send(producer, events, 1, "a", event("r2", "time", T0 + 4_000, "a", 20));
            send(producer, events, 0, "c", event("r3", "time", T0 + 5_000, "c", 30));
            send(producer, events, 1, "c", event("r4", "time", T0 + 61_000, "c", 40));
            send(producer, events, 0, "z", "not json");
        }
        String firstJob = "replay-first-" + run;
        JobExecutionResult first = runPipeline(firstJob, events, aggregates, deadLetters, "ts");
        assertThat(counter(first, PipelineMetrics.RECORDS_IN)).as("first records in").isEqualTo(7);
        assertThat(counter(first, PipelineMetrics.INVALID)).as("first invalid").isEqualTo(5);
        assertThat(counter(first, PipelineMetrics.ACCEPTED)).as("first accepted").isEqualTo(2);
        List<ConsumerRecord<byte[], byte[]>> firstLetters =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), deadLetters);
        assertThat(firstLetters).as("dead letters of the first run").hasSize(5);

        // A dead letter of another reason, which a replay of invalid records must skip.
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("dlq.reason", "late".getBytes(StandardCharsets.UTF_8));
            producer.send(
                            new ProducerRecord<>(
                                    deadLetters,
                                    0,
                                    null,
                                    bytes("a"),
                                    bytes(event("l1", "time", T0, "a", 1000)),
                                    headers))
                    .get();
        }

        String replayName = "replay-" + run;
        String[] replayArgs = {
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--from-topic",
            deadLetters,
            "--to-topic",
            fixedEvents,
            "--reason",
            "invalid",
            "--name",
            replayName,
            "--checkpoint-interval",
            "1s",
            "--parallelism",
            "2"
        };
        JobExecutionResult firstReplay = runReplay(replayArgs);
        assertThat(counter(firstReplay, PipelineMetrics.REPLAY_READ)).as("read").isEqualTo(6);
        assertThat(counter(firstReplay, PipelineMetrics.REPLAY_SELECTED))
                .as("selected")
                .isEqualTo(5);
        List<ConsumerRecord<byte[], byte[]>> replayed =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), fixedEvents);
        assertThat(replayed).as("records after one replay").hasSize(5);
        assertReplayHeaders(replayed, firstLetters, deadLetters, events, replayName);

        JobExecutionResult secondReplay = runReplay(replayArgs);
        assertThat(counter(secondReplay, PipelineMetrics.REPLAY_SELECTED))
                .as("selected in the second replay")
                .isEqualTo(5);
        assertThat(KafkaTestIo.readCommitted(broker.bootstrapServers(), fixedEvents))
                .as("records after two replays")
                .hasSize(10);

        // The fixed job file reads the event time from "time".
        String fixedJob = "replay-fixed-" + run;
        JobExecutionResult fixed =
                runPipeline(fixedJob, fixedEvents, fixedAggregates, fixedDeadLetters, "time");
        assertThat(counter(fixed, PipelineMetrics.RECORDS_IN)).as("fixed records in").isEqualTo(10);
        assertThat(counter(fixed, PipelineMetrics.INVALID)).as("fixed invalid").isEqualTo(2);
        assertThat(counter(fixed, PipelineMetrics.DUPLICATES)).as("fixed duplicates").isEqualTo(4);
        assertThat(counter(fixed, PipelineMetrics.LATE)).as("fixed late").isZero();
        assertThat(counter(fixed, PipelineMetrics.ACCEPTED)).as("fixed accepted").isEqualTo(4);

        Map<String, OutputChecks.Figures> expected = new TreeMap<>();
        List<String> windows = List.of("tumbling:60s");
        OutputChecks.addEvent(expected, windows, "a", T0 + 3_000, 10.0);
        OutputChecks.addEvent(expected, windows, "a", T0 + 4_000, 20.0);
        OutputChecks.addEvent(expected, windows, "c", T0 + 5_000, 30.0);
        OutputChecks.addEvent(expected, windows, "c", T0 + 61_000, 40.0);
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(broker.bootstrapServers(), fixedAggregates), expected);
        List<ConsumerRecord<byte[], byte[]>> fixedLetters =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), fixedDeadLetters);
        assertThat(fixedLetters).as("dead letters of the fixed run").hasSize(2);
        for (ConsumerRecord<byte[], byte[]> letter : fixedLetters) {
            assertThat(letter.value()).as("unfixable record").isEqualTo(bytes("not json"));
        }
    }

    @Test
    void replayReadsOnlyGivenRange() throws Exception {
        String deadLetters = "dead-letters-range-" + run;
        String target = "events-range-" + run;
        broker.createTopic(deadLetters, 1);
        broker.createTopic(target, 1);
        long[] timestamps = {T0, T0 + 1_000, T0 + 2_000, T0 + 3_000, T0 + 4_000};
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            for (int i = 0; i < timestamps.length; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("dlq.reason", "invalid".getBytes(StandardCharsets.UTF_8));
                producer.send(
                                new ProducerRecord<>(
                                        deadLetters,
                                        0,
                                        timestamps[i],
                                        bytes("k" + i),
                                        bytes("record-" + i),
                                        headers))
                        .get();
            }
        }

        // Offsets 1 to 3 of the plain (non-transactional) topic are records 1 to 3.
        runReplay(
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--from-topic",
                deadLetters,
                "--to-topic",
                target,
                "--start-offsets",
                "0:1",
                "--end-offsets",
                "0:4",
                "--name",
                "replay-offsets-" + run,
                "--checkpoint-interval",
                "1s");
        assertThat(values(KafkaTestIo.readCommitted(broker.bootstrapServers(), target)))
                .as("records replayed by offsets")
                .containsExactly("record-1", "record-2", "record-3");

        runReplay(
                "--bootstrap-servers",
                broker.bootstrapServers(),
                "--from-topic",
                deadLetters,
                "--to-topic",
                target,
                "--start-time",
                Instant.ofEpochMilli(T0 + 3_000).toString(),
                "--end-time",
                Long.toString(T0 + 4_000),
                "--name",
                "replay-time-" + run,
                "--checkpoint-interval",
                "1s");
        assertThat(values(KafkaTestIo.readCommitted(broker.bootstrapServers(), target)))
                .as("records after the replay by time")
                .containsExactly("record-1", "record-2", "record-3", "record-3");
    }

    private JobExecutionResult runPipeline(
            String jobName, String input, String output, String deadLetters, String tsField)
            throws Exception {
        StreamExecutionEnvironment env = environment();
        PipelineJob.define(
                env,
                JobConfigLoader.fromArgs(
                        new String[] {
                            "--set", "name=" + jobName,
                            "--set", "source.bootstrap-servers=" + broker.bootstrapServers(),
                            "--set", "source.topic=" + input,
                            "--set", "sink.topic=" + output,
                            "--set", "dlq.topic=" + deadLetters,
                            "--set", "fields.ts=" + tsField,
                            "--set", "windows=tumbling:60s",
                            "--set", "bounded=true",
                            "--set", "parallelism=2",
                            "--set", "checkpoint.interval=1s",
                            "--set", "sink.transaction-timeout=2min"
                        },
                        Map.of()));
        return env.execute(jobName);
    }

    private JobExecutionResult runReplay(String... args) throws Exception {
        ReplayOptions options = ReplayOptions.parse(args, Map.of());
        StreamExecutionEnvironment env = environment();
        DeadLetterReplayJob.define(env, options);
        return env.execute(options.name());
    }

    private StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration storage = new Configuration();
        storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        env.configure(storage);
        return env;
    }

    /** Checks that every republished record names the dead letter it was copied from. */
    private static void assertReplayHeaders(
            List<ConsumerRecord<byte[], byte[]>> replayed,
            List<ConsumerRecord<byte[], byte[]>> letters,
            String deadLetterTopic,
            String sourceTopic,
            String replayName) {
        Map<String, ConsumerRecord<byte[], byte[]>> lettersByOffset = new TreeMap<>();
        letters.forEach(letter -> lettersByOffset.put(Long.toString(letter.offset()), letter));
        for (ConsumerRecord<byte[], byte[]> record : replayed) {
            Map<String, String> headers = OutputChecks.headers(record);
            String what = "replayed record " + record.partition() + "@" + record.offset();
            assertThat(headers.get(ReplaySerializer.FROM_TOPIC))
                    .as(what + " from-topic")
                    .isEqualTo(deadLetterTopic);
            assertThat(headers.get(ReplaySerializer.FROM_PARTITION))
                    .as(what + " from-partition")
                    .isEqualTo("0");
            ConsumerRecord<byte[], byte[]> letter =
                    lettersByOffset.get(headers.get(ReplaySerializer.FROM_OFFSET));
            assertThat(letter).as(what + " names an existing dead letter").isNotNull();
            assertThat(record.key()).as(what + " key").isEqualTo(letter.key());
            assertThat(record.value()).as(what + " value").isEqualTo(letter.value());
            Map<String, String> letterHeaders = OutputChecks.headers(letter);
            assertThat(headers.get(ReplaySerializer.REASON))
                    .as(what + " reason")
                    .isEqualTo("invalid");
            assertThat(headers.get(ReplaySerializer.ORIGINAL_TOPIC))
                    .as(what + " original topic")
                    .isEqualTo(sourceTopic);
            assertThat(headers.get(ReplaySerializer.ORIGINAL_PARTITION))
                    .as(what + " original partition")
                    .isEqualTo(letterHeaders.get("dlq.partition"));
            assertThat(headers.get(ReplaySerializer.ORIGINAL_OFFSET))
                    .as(what + " original offset")
                    .isEqualTo(letterHeaders.get("dlq.offset"));
            assertThat(headers.get(ReplaySerializer.JOB)).as(what + " job").isEqualTo(replayName);
        }
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            int partition,
            String key,
            String value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, bytes(key), bytes(value))).get();
    }

    private static String event(String id, String tsField, long ts, String key, double value) {
        return "{\"id\":\""
                + id
                + "\",\""
                + tsField
                + "\":"
                + ts
                + ",\"key\":\""
                + key
                + "\",\"value\":"
                + value
                + "}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        List<String> values = new ArrayList<>();
        records.forEach(record -> values.add(new String(record.value(), StandardCharsets.UTF_8)));
        return values;
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value == null ? 0 : ((Number) value).longValue();
    }
}
