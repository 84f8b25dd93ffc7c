package dev.eventpipeline.source.nats;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.JobEnvironment;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.job.PipelineTopology;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.sink.DeadLetterSinks;
import dev.eventpipeline.sink.TransactionTimeoutCheck;
import dev.eventpipeline.sink.nats.NatsHeaderText;
import dev.eventpipeline.source.EventSources;
import dev.eventpipeline.testing.BrokerInput;
import dev.eventpipeline.testing.BrokerJobs;
import dev.eventpipeline.testing.FailOnceMap;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.NatsTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.Poll;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole job from a NATS JetStream stream on a MiniCluster at parallelism 2, with results
 * in a real Kafka broker and dead letters in JetStream or Kafka, against the NATS server on
 * 127.0.0.1:4222.
 */
class NatsPipelineIT {

    private static final Logger LOG = LoggerFactory.getLogger(NatsPipelineIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private final List<String> streams = new ArrayList<>();

    @AfterEach
    void deleteStreams() throws Exception {
        for (String stream : streams) {
            NatsTestIo.deleteStream(stream);
        }
    }

    private String newStream(String stream, String subject) throws Exception {
        NatsTestIo.createStream(stream, subject);
        streams.add(stream);
        return stream;
    }

    private static String runName(String test) {
        return "nats-" + test + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Map<String, String> settings(
            String run, KafkaBroker kafka, String results, String stream, String subject) {
        Map<String, String> settings = BrokerJobs.baseSettings(run, kafka, results);
        settings.put("source.type", "nats");
        settings.put("source.uri", NatsTestIo.URI);
        settings.put("source.stream", stream);
        settings.put("source.subject", subject);
        return settings;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void mixedInputGivesExactResults(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("mixed");
        String subject = run + ".events";
        String stream = newStream(run + "-events", subject);
        String deadLetterSubject = run + ".dead-letters";
        String deadLetterStream = newStream(run + "-dead-letters", deadLetterSubject);
        String results = "aggregates-" + run;
        kafka.createTopic(results, 1);
        BrokerInput input = BrokerInput.mixed(run, 60);
        NatsTestIo.publish(subject, input.bodies());

        Map<String, String> settings = settings(run, kafka, results, stream, subject);
        settings.put("dlq.type", "nats");
        settings.put("dlq.uri", NatsTestIo.URI);
        settings.put("dlq.subject", deadLetterSubject);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints);
        PipelineJob.define(env, BrokerJobs.config(settings));
        JobExecutionResult result = env.execute(run);

        BrokerJobs.assertExactRun(result, input, kafka.bootstrapServers(), results);

        List<MessageInfo> letters = NatsTestIo.readStream(deadLetterStream);
        List<String> bodies = new ArrayList<>();
        for (MessageInfo letter : letters) {
            String body = text(letter.getData());
            bodies.add(body);
            Headers headers = letter.getHeaders();
            String letterName = "dead letter " + body;
            long offset = Long.parseLong(headers.getFirst("dlq.offset"));
            assertThat(headers.getFirst("dlq.reason"))
                    .as(letterName + " reason")
                    .isEqualTo("invalid");
            assertThat(headers.getFirst("dlq.topic")).as(letterName + " topic").isEqualTo(stream);
            assertThat(headers.getFirst("dlq.partition"))
                    .as(letterName + " partition")
                    .isEqualTo("-1");
            assertThat(text(input.messages.get((int) offset - 1).body))
                    .as(letterName + " offset is its stream sequence")
                    .isEqualTo(body);
            assertThat(headers.getFirst("dlq.job")).as(letterName + " job").isEqualTo(run);
            assertThat(headers.getFirst("dlq.error")).as(letterName + " error").isNotBlank();
            assertThat(NatsHeaderText.decode(headers.getFirst("dlq.key")))
                    .as(letterName + " key is the subject")
                    .isEqualTo(subject.getBytes(StandardCharsets.UTF_8));
            assertThat(headers.getFirst("Nats-Msg-Id"))
                    .as(letterName + " message id")
                    .isEqualTo(run + "/" + stream + "/-1/" + offset);
        }
        assertThat(bodies)
                .as("dead-letter bodies")
                .containsExactlyInAnyOrderElementsOf(texts(input.invalidBodies()));
        assertConsumerDone(stream, run, input.messages.size());
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void failureDrillKeepsEveryEventOnce(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("drill");
        String subject = run + ".events";
        String stream = newStream(run + "-events", subject);
        String results = "aggregates-" + run;
        String deadLetters = "dead-letters-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic(deadLetters, 1);
        BrokerInput input = BrokerInput.mixed(run, 400);
        NatsTestIo.publish(subject, input.bodies());
        int sent = input.messages.size();

        Map<String, String> settings = settings(run, kafka, results, stream, subject);
        // At most 20 unacknowledged messages: the reader needs a completed checkpoint for every
        // 20 messages, so the failure at half the input comes after many.
        settings.put("source.prefetch", "20");
        settings.put("source.ack-wait", "10s");
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
        long start = System.nanoTime();
        JobExecutionResult result = env.execute(run);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        FailOnceMap.Tally tally = FailOnceMap.tally(run);
        assertThat(tally.failed.get()).as("failure injected").isTrue();
        assertThat(tally.restoredCheckpoint.get()).as("restored checkpoint").isPositive();

        List<ConsumerRecord<byte[], byte[]>> aggregates =
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), results);
        OutputChecks.assertAggregates(aggregates, input.expectedAggregates);
        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), deadLetters);
        List<String> letterBodies = new ArrayList<>();
        letters.forEach(letter -> letterBodies.add(text(letter.value())));
        assertThat(letterBodies)
                .as("each invalid message dead-lettered once")
                .containsExactlyInAnyOrderElementsOf(texts(input.invalidBodies()));

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
        assertConsumerDone(stream, run, sent);

        LOG.info(
                "NATS failure drill: sent {} messages ({} events, {} re-sends, {} invalid); the"
                        + " source emitted {} records, {} of them again after the restart from"
                        + " checkpoint {}; duplicates counted {}; events aggregated {}; dead"
                        + " letters {}; job time {} s",
                sent,
                input.valid,
                input.duplicates,
                input.invalid,
                tally.emitted.get(),
                tally.reemitted(),
                tally.restoredCheckpoint.get(),
                duplicatesCounted,
                aggregated,
                letters.size(),
                seconds);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void unackedMessagesSurviveJobStop(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("stop");
        String subject = run + ".events";
        String stream = newStream(run + "-events", subject);
        String durable = run + "-consumer";
        BrokerInput input = BrokerInput.mixed(run, 60);
        NatsTestIo.publish(subject, input.bodies());
        int sent = input.messages.size();

        // An unbounded job whose first checkpoint is 10 min away acknowledges nothing: its
        // reader keeps 20 messages unacknowledged until it is cancelled.
        String stopped = run + "-stopped";
        kafka.createTopic("aggregates-" + stopped, 1);
        kafka.createTopic("dead-letters-" + stopped, 1);
        Map<String, String> first =
                settings(stopped, kafka, "aggregates-" + stopped, stream, subject);
        first.put("bounded", "false");
        first.put("checkpoint.interval", "10min");
        first.put("sink.transaction-timeout", "14min");
        first.put("source.prefetch", "20");
        first.put("source.durable-name", durable);
        first.put("dlq.topic", "dead-letters-" + stopped);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints.resolve("first"));
        PipelineJob.define(env, BrokerJobs.config(first));
        JobClient job = env.executeAsync(stopped);
        try {
            Poll.until(
                    "the reader has 20 unacknowledged messages",
                    Duration.ofSeconds(90),
                    () -> ackPending(stream, durable) == 20);
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
        ConsumerInfo afterStop = NatsTestIo.consumerInfo(stream, durable);
        assertThat(afterStop.getAckFloor().getStreamSequence())
                .as("acknowledged after the stop")
                .isZero();

        // The next run reads all of them.
        String results = "aggregates-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic("dead-letters-" + run, 1);
        Map<String, String> second = settings(run, kafka, results, stream, subject);
        second.put("source.durable-name", durable);
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
        assertConsumerDone(stream, durable, sent);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void boundedRunLeavesLaterMessagesInStream(@TempDir Path checkpoints) throws Exception {
        KafkaBroker kafka = SharedKafkaBroker.get();
        String run = runName("later");
        String subject = run + ".events";
        String stream = newStream(run + "-events", subject);
        String results = "aggregates-" + run;
        kafka.createTopic(results, 1);
        kafka.createTopic("dead-letters-" + run, 1);
        BrokerInput input = BrokerInput.mixed(run, 60);
        NatsTestIo.publish(subject, input.bodies());
        int sent = input.messages.size();

        Map<String, String> settings = settings(run, kafka, results, stream, subject);
        settings.put("dlq.topic", "dead-letters-" + run);
        StreamExecutionEnvironment env = BrokerJobs.environment(checkpoints);
        PipelineJob.define(env, BrokerJobs.config(settings));
        JobClient job = env.executeAsync(run);
        // The consumer exists only after the job read the stream's last sequence, its stop.
        Poll.until(
                "the job created its consumer",
                Duration.ofSeconds(90),
                () -> ackPending(stream, run) >= 0);
        List<byte[]> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            later.add(
                    ("{\"id\":\"" + run + "-later-" + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        NatsTestIo.publish(subject, later);
        JobExecutionResult result = job.getJobExecutionResult().get(120, TimeUnit.SECONDS);

        assertThat(BrokerJobs.counter(result, PipelineMetrics.RECORDS_IN))
                .as("records in: only those published before the start")
                .isEqualTo(sent);
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(kafka.bootstrapServers(), results),
                input.expectedAggregates);
        ConsumerInfo info = NatsTestIo.consumerInfo(stream, run);
        assertThat(info.getAckFloor().getStreamSequence())
                .as("acknowledged up to the stop sequence")
                .isEqualTo(sent);
        assertThat(info.getNumPending() + info.getNumAckPending())
                .as("later messages still waiting for the consumer")
                .isEqualTo(later.size());
    }

    /** Messages the consumer delivered and awaits acknowledgements for; -1 before it exists. */
    private static long ackPending(String stream, String durable) throws Exception {
        try {
            return NatsTestIo.consumerInfo(stream, durable).getNumAckPending();
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 404) {
                return -1;
            }
            throw e;
        }
    }

    /** Asserts that the durable consumer acknowledged every message and has none left. */
    private static void assertConsumerDone(String stream, String durable, long lastSequence)
            throws Exception {
        ConsumerInfo info = NatsTestIo.consumerInfo(stream, durable);
        assertThat(info.getNumPending()).as("messages not yet delivered").isZero();
        assertThat(info.getNumAckPending()).as("messages delivered, not acknowledged").isZero();
        assertThat(info.getAckFloor().getStreamSequence())
                .as("acknowledged up to")
                .isEqualTo(lastSequence);
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

    private static List<String> texts(List<byte[]> bodies) {
        List<String> texts = new ArrayList<>();
        bodies.forEach(b -> texts.add(text(b)));
        return texts;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }
}
