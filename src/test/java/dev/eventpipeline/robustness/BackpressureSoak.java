package dev.eventpipeline.robustness;

import dev.eventpipeline.testing.KafkaBroker;

import org.apache.flink.configuration.Configuration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares checkpointing under backpressure: aligned checkpoints, unaligned checkpoints, and
 * aligned checkpoints with buffer debloating, each on a fresh MiniCluster with the same slow sink,
 * and prints one table row per mode for docs/robustness.md. The idle timeout is 1 s, so a source
 * that is held up for longer is taken for idle, and the late count shows it. Runs in the {@code
 * soak} Maven profile: {@code mvn verify -Psoak -Dit.test=BackpressureSoak}.
 */
class BackpressureSoak {

    private static final int RECORDS = Integer.getInteger("soak.backpressure.records", 60_000);
    private static final Duration PER_RECORD = Duration.ofMillis(1);

    @Test
    void checkpointModesUnderBackpressure(@TempDir Path checkpoints) throws Exception {
        // Each mode sets both options, as the job's own defaults would otherwise apply.
        Map<String, Configuration> modes = new LinkedHashMap<>();
        modes.put("aligned", checkpointing(false, "0s", false));
        modes.put("unaligned", checkpointing(true, "0s", false));
        modes.put("debloat", checkpointing(false, "0s", true));
        modes.put("debloat + unaligned after 5s", checkpointing(true, "5s", true));

        List<BackpressureDrill.Report> reports = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.start()) {
            for (Map.Entry<String, Configuration> mode : modes.entrySet()) {
                BackpressureDrill.Report report =
                        BackpressureDrill.run(
                                mode.getKey(),
                                mode.getValue(),
                                broker,
                                RECORDS,
                                PER_RECORD,
                                "1s",
                                checkpoints.resolve(Integer.toString(reports.size())));
                reports.add(report);
                System.out.println(BackpressureDrill.HEADER);
                System.out.println(report.row());
            }
        }
        System.out.println(
                "BackpressureSoak, each sink producer at most one record per " + PER_RECORD + ":");
        System.out.println(BackpressureDrill.HEADER);
        for (BackpressureDrill.Report report : reports) {
            System.out.println(report.row());
        }
        BackpressureDrill.Report shipped = reports.get(reports.size() - 1);
        shipped.input.assertOutput(shipped.aggregates, shipped.deadLetters);
        assertThat(shipped.late).as("late events, " + shipped.mode).isZero();
    }

    private static Configuration checkpointing(
            boolean unaligned, String alignedTimeout, boolean debloat) {
        Configuration configuration = new Configuration();
        configuration.setString(
                "execution.checkpointing.unaligned.enabled", Boolean.toString(unaligned));
        configuration.setString(
                "execution.checkpointing.aligned-checkpoint-timeout", alignedTimeout);
        configuration.setString(
                "taskmanager.network.memory.buffer-debloat.enabled", Boolean.toString(debloat));
        return configuration;
    }
}
