package dev.eventpipeline.replay;

import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.SharedFlinkCluster;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Submits the replay to a standalone cluster the way operators do, {@code flink run -c
 * dev.eventpipeline.replay.DeadLetterReplayJob} with the shaded jar, and checks the records it
 * republished.
 */
class ReplayClusterIT {

    @AfterEach
    void cancelJobs() {
        SharedFlinkCluster.cancelRunningJobs();
    }

    @Test
    void flinkRunReplaysSelectedDeadLetters() throws Exception {
        KafkaBroker broker = SharedKafkaBroker.get();
        FlinkCluster cluster = SharedFlinkCluster.get();
        String run = "replay-cli-" + UUID.randomUUID().toString().substring(0, 8);
        String deadLetters = "dead-letters-" + run;
        String target = "events-" + run;
        broker.createTopic(deadLetters, 2);
        broker.createTopic(target, 2);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            String[] reasons = {"invalid", "late", "invalid", "failed", "invalid"};
            for (int i = 0; i < reasons.length; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("dlq.reason", reasons[i].getBytes(StandardCharsets.UTF_8));
                headers.add("dlq.job", "orders".getBytes(StandardCharsets.UTF_8));
                producer.send(
                                new ProducerRecord<>(
                                        deadLetters,
                                        i % 2,
                                        null,
                                        ("k" + i).getBytes(StandardCharsets.UTF_8),
                                        ("record-" + i).getBytes(StandardCharsets.UTF_8),
                                        headers))
                        .get();
            }
        }

        // Attached, so the command returns when the bounded replay has finished.
        FlinkCluster.CommandResult result =
                cluster.flink(
                        "run",
                        "-c",
                        DeadLetterReplayJob.class.getName(),
                        FlinkCluster.jobJar().toString(),
                        "--bootstrap-servers",
                        broker.bootstrapServers(),
                        "--from-topic",
                        deadLetters,
                        "--to-topic",
                        target,
                        "--reason",
                        "invalid,failed",
                        "--source-job",
                        "orders",
                        "--name",
                        run,
                        "--checkpoint-interval",
                        "1s",
                        "--parallelism",
                        "2");
        assertThat(result.exitCode).as(result.describe()).isZero();

        List<ConsumerRecord<byte[], byte[]>> replayed =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), target);
        assertThat(replayed.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)))
                .as("replayed values")
                .containsExactlyInAnyOrder("record-0", "record-2", "record-3", "record-4");
        for (ConsumerRecord<byte[], byte[]> record : replayed) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            String index = value.substring("record-".length());
            assertThat(new String(record.key(), StandardCharsets.UTF_8))
                    .as(value + " key")
                    .isEqualTo("k" + index);
            assertThat(OutputChecks.headers(record))
                    .as(value + " headers")
                    .containsEntry(ReplaySerializer.FROM_TOPIC, deadLetters)
                    .containsEntry(ReplaySerializer.JOB, run)
                    .containsKey(ReplaySerializer.FROM_OFFSET);
        }
    }
}
