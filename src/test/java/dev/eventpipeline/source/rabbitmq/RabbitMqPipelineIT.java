package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.JobEnvironment;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.job.PipelineTopology;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.sink.DeadLetterSinks;
import dev.eventpipeline.sink.TransactionTimeoutCheck;
import dev.eventpipeline.source.EventSources;
import dev.eventpipeline.testing.BrokerInput;
import dev.eventpipeline.testing.BrokerJobs;
import dev.eventpipeline.testing.FailOnceMap;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.Poll;
import dev.eventpipeline.testing.RabbitMqTestIo;
import dev.eventpipeline.testing.SharedKafkaBroker;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole job from a RabbitMQ queue on a MiniCluster at parallelism 2, with results in a
 * real Kafka broker and dead letters in RabbitMQ or Kafka, against the RabbitMQ server on
 * 127.0.0.1:5672.
 */
class RabbitMqPipelineIT {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqPipelineIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private final List<String> queues = new ArrayList<>();

    @AfterEach
    void deleteQueues() throws Exception {
        for (String queue : queues) {
            RabbitMqTestIo.deleteQueue(queue);
        }
    }

    private String newQueue(String name) throws Exception {
        RabbitMqTestIo.declareQueue(name);
        queues.add(name);
        return name;
    }

    private static String runName(String test) {
        return "rmq-" + test + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, String> settings(
            String run, KafkaBroker kafka, String results, String queue) {
        Map<String, String> settings = BrokerJobs.baseSettings(run, kafka, results);
        settings.put("source.type", "rabbitmq");
        settings.put("source.uri", RabbitMqTestIo.URI);
        settings.put("source.queue", queue);
        return settings;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void mixedInputGivesExactResults(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("mixed");
        String queue = newQueue(run + "-events");
        String deadLetterQueue = run + "-dead-letters";
        queues.add(deadLetterQueue);
        String results = "aggregates-" + run;
        kafka.createTopic(results, 1);
        BrokerInput input = BrokerInput.mixed(run, 60);
        RabbitMqTestIo.publish(queue, input.rabbitMqMessages(false));

        Map<String, String> settings = settings(run, kafka, results, queue);
        settings.put("dlq.type", "rabbitmq");
        settings.put("dlq.uri", RabbitMqTestIo.URI);
        settings.put("dlq.queue", deadLetterQueue);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints);
        PipelineJob.define(env, BrokerJobs.config(settings));
        JobExecutionResult result = env.execute(run);

        BrokerJobs.assertExactRun(result, input, kafka.bootstrapServers(), results);

        List<RabbitMqTestIo.Received> letters = RabbitMqTestIo.drain(deadLetterQueue);
        assertThat(bodies(letters))
                .as("dead-letter bodies")
                .containsExactlyInAnyOrderElementsOf(texts(input.invalidBodies()));
        Map<String, String> idByBody = new HashMap<>();
        input.messages.forEach(m -> idByBody.put(text(m.body), m.messageId));
        for (RabbitMqTestIo.Received letter : letters) {
            Map<String, Object> headers = letter.properties.getHeaders();
            String letterName = "dead letter " + text(letter.body);
            assertThat(letter.properties.getDeliveryMode())
                    .as(letterName + " persistent")
                    .isEqualTo(2);
            assertThat(String.valueOf(headers.get("dlq.reason")))
                    .as(letterName + " reason")
                    .isEqualTo("invalid");
            assertThat(String.valueOf(headers.get("dlq.topic")))
                    .as(letterName + " topic")
                    .isEqualTo(queue);
            assertThat(String.valueOf(headers.get("dlq.partition")))
                    .as(letterName + " partition")
                    .isEqualTo("-1");
            assertThat(String.valueOf(headers.get("dlq.offset")))
                    .as(letterName + " offset")
                    .isEqualTo("-1");
            assertThat(String.valueOf(headers.get("dlq.job")))
                    .as(letterName + " job")
                    .isEqualTo(run);
            assertThat(String.valueOf(headers.get("dlq.error")))
                    .as(letterName + " error")
                    .isNotBlank()
                    .doesNotContain("\n");
            assertThat((byte[]) headers.get("dlq.key"))
                    .as(letterName + " key is the message id")
                    .isEqualTo(idByBody.get(text(letter.body)).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(RabbitMqTestIo.readyCount(queue)).as("messages left in the queue").isZero();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void correlationIdsDropOnlyRedeliveries(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("correlation");
        String queue = newQueue(run + "-events");
        String results = "aggregates-" + run;
        String deadLetters = "dead-letters-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic(deadLetters, 1);
        BrokerInput input = BrokerInput.mixed(run, 30);
        List<RabbitMqTestIo.Message> messages = new ArrayList<>(input.rabbitMqMessages(true));
        RabbitMqTestIo.Message first = messages.get(0);

        // A valid event without a correlation id: a dead letter, not a failing job.
        long ts = TestEvents.TEN_O_CLOCK + 30_000;
        byte[] withoutId = event(run + "-no-correlation-id", ts, "k0", 1.0);
        messages.add(new RabbitMqTestIo.Message(withoutId, null, run + "-no-cid"));
        // A different event under a reused correlation id: counted like any other event.
        byte[] reused = event(run + "-reused", ts, "k1", 2.0);
        messages.add(new RabbitMqTestIo.Message(reused, first.correlationId, run + "-reused"));
        // The first message published again: dropped by the source or counted as duplicate.
        messages.add(new RabbitMqTestIo.Message(first.body, first.correlationId, run + "-again"));
        RabbitMqTestIo.publish(queue, messages);

        Map<String, String> settings = settings(run, kafka, results, queue);
        settings.put("source.correlation-ids", "true");
        settings.put("dlq.topic", deadLetters);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints);
        PipelineJob.define(env, BrokerJobs.config(settings));
        JobExecutionResult result = env.execute(run);

        Map<String, OutputChecks.Figures> expected = input.expectedAggregates;
        OutputChecks.addEvent(expected, BrokerInput.WINDOWS, "k1", ts, 2.0);
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), results), expected);

        long recordsIn = BrokerJobs.counter(result, PipelineMetrics.RECORDS_IN);
        long duplicates = BrokerJobs.counter(result, PipelineMetrics.DUPLICATES);
        assertThat(BrokerJobs.counter(result, PipelineMetrics.ACCEPTED))
                .as("accepted")
                .isEqualTo(input.valid + 1);
        assertThat(BrokerJobs.counter(result, PipelineMetrics.INVALID))
                .as("invalid, including the message without correlation id")
                .isEqualTo(input.invalid + 1);
        assertThat(duplicates)
                .as(
                        "duplicates: the re-sends, plus the republished first message unless the"
                                + " source dropped it")
                .isBetween((long) input.duplicates, input.duplicates + 1L);
        assertThat(recordsIn)
                .as("records in: everything but a republished message the source dropped")
                .isEqualTo(messages.size() - 1 + (duplicates - input.duplicates));

        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), deadLetters);
        List<byte[]> expectedBodies = new ArrayList<>(input.invalidBodies());
        expectedBodies.add(withoutId);
        List<String> letterBodies = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            letterBodies.add(text(letter.value()));
            Map<String, String> headers = OutputChecks.headers(letter);
            assertThat(headers.get("dlq.topic")).as("dead-letter topic").isEqualTo(queue);
            if (text(letter.value()).equals(text(withoutId))) {
                assertThat(headers.get("dlq.error"))
                        .as("cause of the message without correlation id")
                        .isEqualTo(RabbitMqRecordDeserializer.MISSING_CORRELATION_ID);
                assertThat(text(letter.key()))
                        .as("key falls back to the message id")
                        .isEqualTo(run + "-no-cid");
            }
        }
        assertThat(letterBodies)
                .as("dead-letter bodies")
                .containsExactlyInAnyOrderElementsOf(texts(expectedBodies));
        assertThat(RabbitMqTestIo.readyCount(queue)).as("messages left in the queue").isZero();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void failureDrillKeepsEveryEventOnce(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("drill");
        String queue = newQueue(run + "-events");
        String results = "aggregates-" + run;
        String deadLetters = "dead-letters-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic(deadLetters, 1);
        BrokerInput input = BrokerInput.mixed(run, 400);
        RabbitMqTestIo.publish(queue, input.rabbitMqMessages(false));
        int sent = input.messages.size();

        Map<String, String> settings = settings(run, kafka, results, queue);
        // 20 unacknowledged messages per consumer: the two consumers need a completed checkpoint
        // for every 40 messages, so the failure at half the input comes after several.
        settings.put("source.prefetch", "20");
        settings.put("dlq.topic", deadLetters);
        JobConfig config = BrokerJobs.config(settings);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints);
        TransactionTimeoutCheck.verify(config);
        JobEnvironment.configure(env, config);
        DataStream<SourceRecord> source = EventSources.create(env, config);
        DataStream<SourceRecord> failing =
                source.map(new FailOnceMap(run, sent / 2))
                        .setParallelism(source.getParallelism())
                        .uid("fail-once")
                        .name("Fail once");
        PipelineTopology.Outputs outputs = PipelineTopology.build(failing, config);
        DeadLetterSinks.attach(outputs.results, outputs.deadLetters, config);
        JobExecutionResult result = env.execute(run);

        FailOnceMap.Tally tally = FailOnceMap.tally(run);
        assertThat(tally.failed.get()).as("failure injected").isTrue();
        assertThat(tally.restoredCheckpoint.get()).as("restored checkpoint").isPositive();

        List<ConsumerRecord<byte[], byte[]>> aggregates =
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), results);
        OutputChecks.assertAggregates(aggregates, input.expectedAggregates);
        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), deadLetters);
        Set<String> distinctLetters = new HashSet<>();
        letters.forEach(letter -> distinctLetters.add(text(letter.value())));
        assertThat(distinctLetters)
                .as("every invalid message dead-lettered")
                .containsExactlyInAnyOrderElementsOf(texts(input.invalidBodies()));
        // At-least-once: an invalid message redelivered after its checkpoint completed but
        // before the acknowledgement reached RabbitMQ is dead-lettered again.
        assertThat(letters.size()).as("dead letters").isGreaterThanOrEqualTo(input.invalid);

        long recordsIn = BrokerJobs.counter(result, PipelineMetrics.RECORDS_IN);
        assertThat(recordsIn)
                .as("records in after the restore")
                .isEqualTo(tally.recordsAfterRestore());
        assertThat(
                        BrokerJobs.counter(result, PipelineMetrics.INVALID)
                                + BrokerJobs.counter(result, PipelineMetrics.DUPLICATES)
                                + BrokerJobs.counter(result, PipelineMetrics.LATE)
                                + BrokerJobs.counter(result, PipelineMetrics.ACCEPTED))
                .as("records after the restore balance")
                .isEqualTo(recordsIn);
        long aggregated = tumblingCount(aggregates);
        assertThat(aggregated).as("events aggregated").isEqualTo(input.valid);
        long duplicatesCounted = tally.lineageValidRecords() - input.valid;
        assertThat(duplicatesCounted)
                .as("duplicates counted: the re-sends and the redelivered events")
                .isGreaterThanOrEqualTo(input.duplicates);
        Poll.until(
                "the queue is empty and has no consumer",
                Duration.ofSeconds(30),
                () ->
                        RabbitMqTestIo.readyCount(queue) == 0
                                && RabbitMqTestIo.consumerCount(queue) == 0);

        LOG.info(
                "RabbitMQ failure drill: sent {} messages ({} events, {} re-sends, {} invalid);"
                        + " the source emitted {} records, {} of them again after the restart"
                        + " from checkpoint {}; duplicates counted {}; events aggregated {};"
                        + " dead letters {}",
                sent,
                input.valid,
                input.duplicates,
                input.invalid,
                tally.emitted.get(),
                tally.reemitted(),
                tally.restoredCheckpoint.get(),
                duplicatesCounted,
                aggregated,
                letters.size());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void unackedMessagesSurviveJobStop(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("stop");
        String queue = newQueue(run + "-events");
        BrokerInput input = BrokerInput.mixed(run, 60);
        RabbitMqTestIo.publish(queue, input.rabbitMqMessages(false));
        int sent = input.messages.size();

        // An unbounded job whose first checkpoint is 10 min away acknowledges nothing: each of
        // its two consumers keeps 20 messages unacknowledged until it is cancelled.
        String stopped = run + "-stopped";
        kafka.createTopic("aggregates-" + stopped, 1);
        kafka.createTopic("dead-letters-" + stopped, 1);
        Map<String, String> first = settings(stopped, kafka, "aggregates-" + stopped, queue);
        first.put("bounded", "false");
        first.put("checkpoint.interval", "10min");
        first.put("sink.transaction-timeout", "14min");
        first.put("source.prefetch", "20");
        first.put("dlq.topic", "dead-letters-" + stopped);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints.resolve("first"));
        PipelineJob.define(env, BrokerJobs.config(first));
        JobClient job = env.executeAsync(stopped);
        try {
            Poll.until(
                    "both consumers have 20 unacknowledged messages",
                    Duration.ofSeconds(90),
                    () -> RabbitMqTestIo.readyCount(queue) == sent - 40);
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        Poll.until(
                "every message is back in the queue",
                Duration.ofSeconds(30),
                () -> RabbitMqTestIo.readyCount(queue) == sent);

        // The next run reads all of them.
        String results = "aggregates-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic("dead-letters-" + run, 1);
        Map<String, String> second = settings(run, kafka, results, queue);
        second.put("dlq.topic", "dead-letters-" + run);
        StreamExecutionEnvironment again = BrokerJobs.environment(checkpoints.resolve("second"));
        PipelineJob.define(again, BrokerJobs.config(second));
        JobExecutionResult result = again.execute(run);
        assertThat(BrokerJobs.counter(result, PipelineMetrics.RECORDS_IN))
                .as("records in")
                .isEqualTo(sent);
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), results),
                input.expectedAggregates);
        assertThat(RabbitMqTestIo.readyCount(queue)).as("messages left in the queue").isZero();
    }

    /** Sum of the counts of the tumbling windows: each accepted event is in exactly one. */
    private static long tumblingCount(List<ConsumerRecord<byte[], byte[]>> aggregates)
            throws Exception {
        long count = 0;
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            JsonNode value = JSON.readTree(record.value());
            if (value.get("window").asText().startsWith("tumbling:")) {
                count += value.get("count").asLong();
            }
        }
        return count;
    }

    private static byte[] event(String id, long ts, String key, double value) {
        return ("{\"id\":\""
                        + id
                        + "\",\"ts\":"
                        + ts
                        + ",\"key\":\""
                        + key
                        + "\",\"value\":"
                        + value
                        + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> bodies(List<RabbitMqTestIo.Received> received) {
        List<String> bodies = new ArrayList<>();
        received.forEach(r -> bodies.add(text(r.body)));
        return bodies;
    }

    private static List<String> texts(List<byte[]> bodies) {
        List<String> texts = new ArrayList<>();
        bodies.forEach(b -> texts.add(text(b)));
        return texts;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
