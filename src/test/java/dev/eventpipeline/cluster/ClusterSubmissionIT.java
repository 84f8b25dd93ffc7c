package dev.eventpipeline.cluster;

import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.SharedClusterTest;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Submits the shaded jar to a standalone cluster with {@code flink run}, the way users do, and
 * checks what they see: the job RUNNING in the REST API with the operator names of the job graph,
 * the web UI, and a clear start-up error for a transaction timeout the broker rejects.
 */
class ClusterSubmissionIT extends SharedClusterTest {

    private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void jobFileRunSubmitsRunningJob(@TempDir Path dir) throws Exception {
        String run = "submit-" + UUID.randomUUID().toString().substring(0, 8);
        String input = "events-" + run;
        String deadLetters = "dead-letters-" + run;
        broker.createTopic(input, 2);
        broker.createTopic("aggregates-" + run, 1);
        broker.createTopic(deadLetters, 1);
        // Only names and addresses: every other setting keeps the job's default, so this also
        // proves that the default transaction timeout fits a broker with stock settings.
        Path jobFile = dir.resolve("job.yaml");
        Files.writeString(
                jobFile,
                String.join(
                        "\n",
                        "name: " + run,
                        "windows:",
                        "  - tumbling:2s",
                        "  - sliding:6s/2s",
                        "source:",
                        "  bootstrap-servers: " + broker.bootstrapServers(),
                        "  topic: " + input,
                        "sink:",
                        "  topic: aggregates-" + run,
                        "dlq:",
                        "  topic: " + deadLetters,
                        ""));

        String jobId =
                cluster.submit(
                        new FlinkCluster.Submission()
                                .jobFile(jobFile)
                                // A short interval only so that the dead letter below commits
                                // quickly; the job's own settings stay default.
                                .flinkSetting("execution.checkpointing.interval", "1s"));
        cluster.awaitAllTasksRunning(jobId, RUNNING_TIMEOUT);

        assertThat(cluster.jobState(jobId)).as("job state").isEqualTo("RUNNING");
        assertThat(cluster.job(jobId).get("name").asText()).as("job name").isEqualTo(run);
        assertThat(cluster.operatorNames(jobId))
                .as("operator names")
                .contains(
                        OperatorIds.SOURCE_NAME,
                        OperatorIds.VALIDATE_NAME,
                        OperatorIds.DEDUP_NAME,
                        OperatorIds.LATE_ROUTER_NAME,
                        "Window tumbling:2s",
                        "Window sliding:6s/2s",
                        OperatorIds.RESULTS_SINK_NAME + ": Writer",
                        OperatorIds.RESULTS_SINK_NAME + ": Committer",
                        OperatorIds.DEAD_LETTER_SINK_NAME + ": Writer",
                        OperatorIds.DEAD_LETTER_SINK_NAME + ": Committer");

        HttpResponse<String> index = cluster.get("/");
        assertThat(index.statusCode()).as("web UI index status").isEqualTo(200);
        assertThat(index.body()).as("web UI index page").contains("Apache Flink Web Dashboard");

        // One invalid record goes all the way to the committed dead letters.
        byte[] invalid = "{\"id\":\"x\"".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(input, 0, null, invalid)).get();
        }
        AtomicReference<List<ConsumerRecord<byte[], byte[]>>> letters = new AtomicReference<>();
        FlinkCluster.awaitCondition(
                "a committed dead letter in " + deadLetters,
                Duration.ofMinutes(1),
                () -> {
                    letters.set(KafkaTestIo.readCommitted(broker.bootstrapServers(), deadLetters));
                    return !letters.get().isEmpty();
                });
        assertThat(letters.get()).as("dead letters").hasSize(1);
        assertThat(letters.get().get(0).value()).as("dead-letter value").isEqualTo(invalid);
        Map<String, String> headers = OutputChecks.headers(letters.get().get(0));
        assertThat(headers.get("dlq.reason")).as("dlq.reason").isEqualTo("invalid");
        assertThat(headers.get("dlq.job")).as("dlq.job").isEqualTo(run);

        cluster.cancel(jobId, RUNNING_TIMEOUT);
    }

    @Test
    void transactionTimeoutAboveBrokerMaxFailsAtStartup() {
        String run = "timeout-" + UUID.randomUUID().toString().substring(0, 8);
        broker.createTopic("events-" + run, 1);

        FlinkCluster.CommandResult result =
                cluster.flink(
                        new FlinkCluster.Submission()
                                .set("name", run)
                                .set("source.bootstrap-servers", broker.bootstrapServers())
                                .set("source.topic", "events-" + run)
                                .set("sink.topic", "aggregates-" + run)
                                .set("dlq.topic", "dead-letters-" + run)
                                .set("sink.transaction-timeout", "20min")
                                .arguments());

        assertThat(result.exitCode).as("flink run exit code; " + result.describe()).isNotZero();
        assertThat(result.output)
                .as("start-up error")
                .contains("sink.transaction-timeout")
                .contains("1200000 ms")
                .contains("transaction.max.timeout.ms of 900000 ms");
        assertThat(cluster.jobsNamed(run)).as("jobs submitted under " + run).isEmpty();
    }
}
