package dev.eventpipeline.robustness;

import dev.eventpipeline.testing.KafkaBroker;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A throttled sink (a broker quota on every producer) must slow the source down through
 * backpressure, with bounded memory, while checkpoints keep completing and no event turns late. The
 * checkpoint and network settings come from the repository's {@code flink-conf/config.yaml}, so
 * this test covers the shipped defaults, with the job's default idle timeout of 30 s. {@link
 * BackpressureSoak} shows what a 1 s idle timeout does under the same load.
 */
class BackpressureShippedSoak {

    private static final int RECORDS = 20_000;
    private static final long BYTES_PER_SECOND = 100_000;
    private static final List<String> SHIPPED_PREFIXES =
            List.of(
                    "execution.checkpointing.unaligned",
                    "execution.checkpointing.aligned-checkpoint-timeout",
                    "taskmanager.network.memory.buffer-debloat");

    @Test
    void throttledSinkSlowsSourceWithoutLoss(@TempDir Path checkpoints) throws Exception {
        Configuration shipped = shippedSettings();
        System.out.println(
                "BackpressureShippedSoak: settings from flink-conf/config.yaml: " + shipped);

        BackpressureDrill.Report report;
        try (KafkaBroker broker = KafkaBroker.start()) {
            report =
                    BackpressureDrill.run(
                            "shipped",
                            shipped,
                            broker,
                            RECORDS,
                            BYTES_PER_SECOND,
                            "30s",
                            checkpoints);
        }
        System.out.println(BackpressureDrill.HEADER);
        System.out.println(report.row());

        long outputBytes = 0;
        for (ConsumerRecord<byte[], byte[]> record : report.aggregates) {
            outputBytes += record.serializedKeySize() + record.serializedValueSize();
        }
        report.input.assertOutput(report.aggregates, report.deadLetters);
        assertThat(report.late).as("late events").isZero();
        assertThat(report.backPressuredMillis / 1000.0)
                .as("seconds the source subtasks were backpressured, of %.0f s", report.seconds)
                .isGreaterThan(0.2 * report.seconds);
        assertThat(report.seconds)
                .as("run time against output bytes / quota")
                .isGreaterThan(0.5 * outputBytes / (2 * BYTES_PER_SECOND));
        assertThat(report.completedCheckpoints)
                .as("completed checkpoints")
                .isGreaterThanOrEqualTo(3);
        assertThat(report.checkpointFailures)
                .as("checkpoint failures")
                .noneMatch(message -> message.contains("expired"));
        assertThat(report.peakLiveHeapBytes - report.baselineHeapBytes)
                .as("live heap growth in bytes")
                .isLessThan(128L * 1024 * 1024);
        assertThat(report.peakNetworkBytes)
                .as("network buffer memory in use")
                .isLessThanOrEqualTo(report.totalNetworkBytes);
    }

    /** Returns the checkpoint and network settings of the repository's cluster configuration. */
    private static Configuration shippedSettings() {
        Configuration file =
                GlobalConfiguration.loadConfiguration(
                        Paths.get("flink-conf").toAbsolutePath().toString());
        Configuration selected = new Configuration();
        file.toMap()
                .forEach(
                        (key, value) -> {
                            for (String prefix : SHIPPED_PREFIXES) {
                                if (key.startsWith(prefix)) {
                                    selected.setString(key, value);
                                }
                            }
                        });
        return selected;
    }
}
