package dev.eventpipeline.robustness;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.testing.FlinkRest;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.LogCapture;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broker outages while the job runs: the Kafka broker is killed (SIGKILL) for longer than the
 * checkpoint interval and the checkpoint timeout, then started again. The job must recover by
 * itself through its restart strategy, and the committed output, read with {@code read_committed},
 * must be exact and complete: every aggregate once with the right figures and every invalid record
 * once as a dead letter, so the counts balance.
 *
 * <p>The times are scaled down from a deployment (checkpoint every 10 s, timeout 2 min) so that a
 * drill takes about a minute: checkpoint every 1 s, timeout 5 s, broker down for 8 s plus its
 * restart time.
 */
class BrokerOutageIT {

    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final int RECORDS = 3000;
    private static final int RECORDS_PER_SECOND = 200;
    private static final List<String> WINDOWS = List.of("tumbling:1s", "sliding:2s/1s");

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .setConfiguration(TestClusters.loopbackOnly())
                            .build());

    @Test
    void jobRecoversFromWholeBrokerOutage(
            @InjectClusterClient ClusterClient<?> cluster, @TempDir Path checkpoints)
            throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            runDrill(cluster, checkpoints, broker, broker, "whole", true);
        }
    }

    @Test
    void jobRecoversFromSinkBrokerOutage(
            @InjectClusterClient ClusterClient<?> cluster, @TempDir Path checkpoints)
            throws Exception {
        try (KafkaBroker source = KafkaBroker.start();
                KafkaBroker sink = KafkaBroker.start()) {
            runDrill(cluster, checkpoints, source, sink, "sink", false);
        }
    }

    private void runDrill(
            ClusterClient<?> cluster,
            Path checkpoints,
            KafkaBroker source,
            KafkaBroker sink,
            String drill,
            boolean crash)
            throws Exception {
        String run = "outage-" + drill + "-" + Long.toHexString(System.nanoTime());
        source.createTopic("events", 2);
        sink.createTopic("aggregates", 1);
        sink.createTopic("dead-letters", 1);
        JobConfig config =
                JobConfigLoader.fromArgs(
                        new String[] {
                            "--set", "name=" + run,
                            "--set", "source.bootstrap-servers=" + source.bootstrapServers(),
                            "--set", "sink.bootstrap-servers=" + sink.bootstrapServers(),
                            "--set", "windows=" + String.join(",", WINDOWS),
                            "--set", "watermark.max-out-of-orderness=500ms",
                            "--set", "watermark.idle-timeout=0ms",
                            "--set", "parallelism=2",
                            "--set", "checkpoint.interval=1s",
                            "--set", "sink.transaction-timeout=2min"
                        },
                        Map.of());
        DrillInput input = new DrillInput(run, "events", 2, WINDOWS);

        try (LogCapture logs = LogCapture.start(Level.INFO);
                KafkaProducer<byte[], byte[]> producer =
                        KafkaTestIo.producer(source.bootstrapServers())) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            Configuration settings = new Configuration();
            settings.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            settings.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
            env.configure(settings);
            PipelineJob.define(env, config);
            JobClient job = env.executeAsync(run);
            FlinkRest rest = new FlinkRest(cluster.getWebInterfaceURL());
            String jobId = job.getJobID().toHexString();
            KafkaBroker failing = sink;

            long outageStartedNanos = 0;
            long outageEndedNanos = 0;
            long start = System.nanoTime();
            for (int i = 0; i < RECORDS; i++) {
                input.sendNext(producer);
                if (i == RECORDS / 3) {
                    awaitCommittedOutput(sink, Duration.ofSeconds(60));
                    if (crash) {
                        failing.kill();
                    } else {
                        failing.stop();
                    }
                    outageStartedNanos = System.nanoTime();
                }
                if (outageStartedNanos > 0
                        && outageEndedNanos == 0
                        && System.nanoTime() - outageStartedNanos > OUTAGE.toNanos()) {
                    failing.restart();
                    outageEndedNanos = System.nanoTime();
                }
                pace(start, i + 1);
            }
            if (outageEndedNanos == 0) {
                long remaining = OUTAGE.toNanos() - (System.nanoTime() - outageStartedNanos);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, remaining));
                failing.restart();
                outageEndedNanos = System.nanoTime();
            }
            producer.flush();
            input.sendClosing(producer);

            List<ConsumerRecord<byte[], byte[]>> aggregates =
                    awaitComplete(input, sink, Duration.ofSeconds(180));
            long recoveredNanos = System.nanoTime();
            JsonNode failures =
                    rest.get("/jobs/" + jobId + "/exceptions?maxExceptions=20")
                            .get("exceptionHistory")
                            .get("entries");
            job.cancel().get(60, TimeUnit.SECONDS);

            aggregates = KafkaTestIo.readCommitted(sink.bootstrapServers(), "aggregates");
            List<ConsumerRecord<byte[], byte[]>> deadLetters =
                    KafkaTestIo.readCommitted(sink.bootstrapServers(), "dead-letters");
            System.out.printf(
                    "BrokerOutageIT %s: %s; outage %.1f s; output complete %.1f s after the"
                            + " broker was back; %d failures%n",
                    drill,
                    input,
                    (outageEndedNanos - outageStartedNanos) / 1e9,
                    (recoveredNanos - outageEndedNanos) / 1e9,
                    failures.size());
            for (JsonNode failure : failures) {
                System.out.println(
                        "  failure: "
                                + failure.get("stacktrace")
                                        .asText()
                                        .lines()
                                        .findFirst()
                                        .orElse(""));
            }
            for (String line :
                    logs.linesMatching(
                            line ->
                                    line.contains("RESTARTING")
                                            || line.contains("restarted after a failure")
                                            || line.contains("switched from RUNNING to FAILED"))) {
                System.out.println("  log: " + line.lines().limit(3).toList());
            }

            input.assertOutput(aggregates, deadLetters);
            long accepted = input.acceptedInOutput(aggregates);
            long invalid = deadLetters.size();
            assertThat(accepted).as("accepted in output").isEqualTo(input.accepted());
            assertThat(invalid).as("invalid in output").isEqualTo(input.invalid());
            assertThat(invalid + input.duplicates() + accepted)
                    .as("records in = invalid + duplicates + late + accepted")
                    .isEqualTo(input.sent());
            assertThat(failures.size()).as("failures in the exception history").isPositive();
            assertThat(
                            logs.linesMatching(
                                    line ->
                                            line.contains(
                                                    "switched from state RUNNING to RESTARTING")))
                    .as("restart log lines")
                    .isNotEmpty();
            assertThat(logs.linesMatching(line -> line.contains("restarted after a failure")))
                    .as("restart lines of the job")
                    .isNotEmpty();
        }
    }

    /** Waits until the results topic contains at least one committed record. */
    private static void awaitCommittedOutput(KafkaBroker sink, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (KafkaTestIo.readCommitted(sink.bootstrapServers(), "aggregates").isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("No committed aggregate within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** Waits until every expected aggregate is committed, and returns what was read last. */
    private static List<ConsumerRecord<byte[], byte[]>> awaitComplete(
            DrillInput input, KafkaBroker sink, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ConsumerRecord<byte[], byte[]>> aggregates =
                    KafkaTestIo.readCommitted(sink.bootstrapServers(), "aggregates");
            if (input.complete(aggregates)) {
                return aggregates;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "Output incomplete after "
                                + timeout
                                + ": "
                                + aggregates.size()
                                + " aggregates committed for "
                                + input);
            }
            Thread.sleep(500);
        }
    }

    /** Sleeps until {@code sent} records are due at the drill's rate. */
    private static void pace(long startNanos, int sent) throws InterruptedException {
        long due = startNanos + sent * 1_000_000_000L / RECORDS_PER_SECOND;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
