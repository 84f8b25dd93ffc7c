package dev.eventpipeline.robustness;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.LogCapture;
import dev.eventpipeline.testing.TestClusters;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Runs the job against a broker whose client listener requires SASL/SCRAM-SHA-256, with the
 * credentials passed as Kafka client properties through the job settings: the source's JAAS line
 * from an environment variable, the sinks' from a file. Checks the output, that no log line of the
 * run (job, Flink and Kafka clients, at INFO) contains the password, and that wrong credentials
 * fail at start-up with a message naming the setting.
 */
class SecuredKafkaIT {

    private static final String USER = "pipeline";
    private static final String LISTENER = "SASL";
    private static final String MECHANISM = "SCRAM-SHA-256";

    /** A fresh password per run, so a leak cannot match some unrelated text. */
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    private static KafkaBroker broker;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(TestClusters.loopbackOnly())
                            .build());

    @BeforeAll
    static void startSecuredBroker() {
        broker =
                KafkaBroker.builder()
                        .listener(LISTENER, SecurityProtocol.SASL_PLAINTEXT)
                        .property("sasl.enabled.mechanisms", MECHANISM)
                        .property(
                                "listener.name.sasl.scram-sha-256.sasl.jaas.config",
                                "org.apache.kafka.common.security.scram.ScramLoginModule"
                                        + " required;")
                        .formatArguments(
                                "--add-scram",
                                MECHANISM + "=[name=" + USER + ",password=" + PASSWORD + "]")
                        .start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void jobReadsAndWritesThroughScram(@TempDir Path dir) throws Exception {
        String run = "secured-" + Long.toHexString(System.nanoTime());
        broker.createTopic("events-" + run, 2);
        broker.createTopic("aggregates-" + run, 1);
        broker.createTopic("dead-letters-" + run, 1);
        List<String> windows = List.of("tumbling:1s");
        DrillInput input = new DrillInput(run, "events-" + run, 2, windows);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            for (int i = 0; i < 500; i++) {
                input.sendNext(producer);
            }
            producer.flush();
        }
        Path jaasFile = dir.resolve("sink-jaas.conf");
        Files.writeString(jaasFile, jaas(PASSWORD) + "\n");

        try (LogCapture logs = LogCapture.start(Level.INFO)) {
            JobConfig config =
                    JobConfigLoader.fromArgs(
                            securedArgs(run, "${env:SOURCE_JAAS}", "${file:" + jaasFile + "}"),
                            Map.of("SOURCE_JAAS", jaas(PASSWORD)));
            StreamExecutionEnvironment env = environment(dir);
            PipelineJob.define(env, config);
            env.execute(run);

            List<ConsumerRecord<byte[], byte[]>> aggregates =
                    KafkaTestIo.readCommitted(broker.bootstrapServers(), "aggregates-" + run);
            List<ConsumerRecord<byte[], byte[]>> deadLetters =
                    KafkaTestIo.readCommitted(broker.bootstrapServers(), "dead-letters-" + run);
            input.assertOutput(aggregates, deadLetters);

            List<String> lines = logs.lines();
            assertThat(lines).as("captured log lines").hasSizeGreaterThan(100);
            assertThat(lines)
                    .as("start-up line with the configuration")
                    .anyMatch(
                            line ->
                                    line.contains("Starting job '" + run + "' with configuration")
                                            && line.contains(
                                                    "source.properties.sasl.jaas.config=******"));
            assertThat(lines)
                    .as("Kafka client settings logged with the JAAS line hidden")
                    .anyMatch(line -> line.contains("sasl.jaas.config = [hidden]"));
            assertThat(logs.linesMatching(line -> line.contains(PASSWORD)))
                    .as("log lines that contain the password")
                    .isEmpty();
        }
    }

    @Test
    void wrongPasswordFailsAtStartUp(@TempDir Path dir) {
        String run = "secured-wrong-" + Long.toHexString(System.nanoTime());
        String wrong = "wrong-" + UUID.randomUUID();
        JobConfig config =
                JobConfigLoader.fromArgs(
                        securedArgs(run, "${env:JAAS}", "${env:JAAS}"),
                        Map.of("JAAS", jaas(wrong)));

        try (LogCapture logs = LogCapture.start(Level.INFO)) {
            assertThatThrownBy(() -> PipelineJob.define(environment(dir), config))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("rejected the job's credentials")
                    .hasMessageContaining("sink.properties.")
                    .hasMessageContaining("sasl.jaas.config")
                    .hasMessageNotContaining(wrong);
            assertThat(logs.linesMatching(line -> line.contains(wrong)))
                    .as("log lines that contain the wrong password")
                    .isEmpty();
        }
    }

    private static String[] securedArgs(String run, String sourceJaas, String sinkJaas) {
        return new String[] {
            "--set", "name=" + run,
            "--set", "source.bootstrap-servers=" + broker.bootstrapServers(LISTENER),
            "--set", "source.topic=events-" + run,
            "--set", "sink.topic=aggregates-" + run,
            "--set", "dlq.topic=dead-letters-" + run,
            "--set", "windows=tumbling:1s",
            "--set", "watermark.idle-timeout=0ms",
            "--set", "bounded=true",
            "--set", "parallelism=2",
            "--set", "checkpoint.interval=1s",
            "--set", "sink.transaction-timeout=2min",
            "--set", "source.properties.security.protocol=SASL_PLAINTEXT",
            "--set", "source.properties.sasl.mechanism=" + MECHANISM,
            "--set", "source.properties.sasl.jaas.config=" + sourceJaas,
            "--set", "sink.properties.security.protocol=SASL_PLAINTEXT",
            "--set", "sink.properties.sasl.mechanism=" + MECHANISM,
            "--set", "sink.properties.sasl.jaas.config=" + sinkJaas
        };
    }

    private static StreamExecutionEnvironment environment(Path dir) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration storage = new Configuration();
        storage.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                dir.resolve("checkpoints").toUri().toString());
        env.configure(storage);
        return env;
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + USER
                + "\" password=\""
                + password
                + "\";";
    }
}
