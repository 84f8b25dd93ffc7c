package dev.eventpipeline.robustness;

import dev.eventpipeline.testing.KafkaBroker;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slow sink (every producer sends at most one record a millisecond) must slow the source down
 * through backpressure, with bounded memory, while checkpoints keep completing and no event turns
 * late. The checkpoint and network settings come from the repository's {@code
 * flink-conf/config.yaml}, so this test covers the shipped defaults, with the job's default idle
 * timeout of 30 s. {@link BackpressureSoak} compares the checkpoint modes under the same load.
 */
class BackpressureIT {

    /**
     * Records of the input. With 20,000, a run once had the source read all of them into the
     * network buffers and the window state before the windows' results backed up, and it was never
     * held up (0.0 s backpressured). At 50,000 the source is still reading when they do.
     */
    private static final int RECORDS = 50_000;

    private static final int PARALLELISM = 2;
    private static final Duration PER_RECORD = Duration.ofMillis(1);
    private static final List<String> SHIPPED_PREFIXES =
            List.of(
                    "execution.checkpointing.unaligned",
                    "execution.checkpointing.aligned-checkpoint-timeout",
                    "taskmanager.network.memory.buffer-debloat");

    @Test
    void slowSinkSlowsSourceWithoutLoss(@TempDir Path checkpoints) throws Exception {
        Configuration shipped = shippedSettings();
        System.out.println("BackpressureIT: settings from flink-conf/config.yaml: " + shipped);

        BackpressureDrill.Report report;
        try (KafkaBroker broker = KafkaBroker.start()) {
            report =
                    BackpressureDrill.run(
                            "shipped", shipped, broker, RECORDS, PER_RECORD, "30s", checkpoints);
        }
        System.out.println(BackpressureDrill.HEADER);
        System.out.println(report.row());

        // Each aggregate sink subtask sends about half the aggregates, one a millisecond at most.
        double sinkSeconds =
                report.aggregates.size() / (double) PARALLELISM * PER_RECORD.toNanos() / 1e9;
        report.input.assertOutput(report.aggregates, report.deadLetters);
        assertThat(report.late).as("late events").isZero();
        assertThat(report.windowLateDropped).as("events the windows dropped as late").isZero();
        // Unslowed, the source reads this input in under a second. Held back by the sink, each
        // source subtask waits for most of the sink's time, so the sum over both is near twice it.
        assertThat(report.backPressuredMillis / 1000.0)
                .as(
                        "seconds the source subtasks were backpressured, against %.1f s the"
                                + " slow sink needs",
                        sinkSeconds)
                .isGreaterThan(0.5 * sinkSeconds);
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
