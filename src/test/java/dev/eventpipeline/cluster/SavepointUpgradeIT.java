package dev.eventpipeline.cluster;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.ExactlyOnceCheck;
import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.LiveInput;
import dev.eventpipeline.testing.SharedClusterTest;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrades a running job through a savepoint on a standalone cluster, the way the upgrade guide in
 * {@code docs/upgrades.md} describes it: {@code flink stop --savepointPath} without {@code
 * --drain}, then {@code flink run -s} of a changed job with one more window spec and a higher
 * parallelism. Deduplication state and open windows survive the upgrade. Restoring a savepoint into
 * a job without one of its operators is rejected unless {@code --allowNonRestoredState} is given.
 */
class SavepointUpgradeIT extends SharedClusterTest {

    private static final Logger LOG = LoggerFactory.getLogger(SavepointUpgradeIT.class);

    private static final int PARTITIONS = 3;
    private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(2);
    private static final int DUPLICATES_ACROSS_SAVEPOINT = 20;
    private static final long TUMBLING_MILLIS = 2000;
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");

    @Test
    void savepointUpgradeKeepsStateAndOutputExact(@TempDir Path savepoints) throws Exception {
        ClusterTestRun run = ClusterTestRun.create(broker, "upgrade", PARTITIONS);

        // Version 1: one tumbling window spec at parallelism 1.
        String versionOne = cluster.submit(run.submission(ClusterTestRun.TUMBLING, 1));
        cluster.awaitAllTasksRunning(versionOne, RUNNING_TIMEOUT);

        try (LiveInput input = run.liveInput()) {
            input.start();
            run.awaitFirstAggregate(Duration.ofMinutes(1));
            cluster.awaitCheckpointAfter(
                    versionOne, cluster.latestCheckpointId(versionOne) + 1, Duration.ofMinutes(1));

            // Input pauses so that the savepoint contains exactly the records produced so far.
            // Windows of the last seconds are still open: the watermark trails the newest event.
            input.stop();
            List<LiveInput.Produced> beforeSavepoint = input.produced();
            long lastTimestamp = input.maxTimestamp();
            ClusterTestRun.awaitRecordsIn(
                    cluster, versionOne, beforeSavepoint.size(), Duration.ofMinutes(1));
            String savepoint =
                    cluster.stopWithSavepoint(versionOne, savepoints.resolve("version-1"));
            // The REST API caches job details for a few seconds, so the state may still read
            // RUNNING right after the stop command returns.
            cluster.awaitJobState(versionOne, "FINISHED", Duration.ofSeconds(30));
            assertThat(cluster.jobState(versionOne)).as("state after stop").isEqualTo("FINISHED");

            // Version 2: a second window spec and parallelism 2, restored from the savepoint.
            input.nextPhase();
            String versionTwo =
                    cluster.submit(
                            run.submission(
                                            ClusterTestRun.TUMBLING + "," + ClusterTestRun.SLIDING,
                                            2)
                                    .fromSavepoint(savepoint));
            cluster.awaitAllTasksRunning(versionTwo, RUNNING_TIMEOUT);
            JsonNode restored = cluster.checkpoints(versionTwo).get("latest").get("restored");
            assertThat(restored.get("external_path").asText())
                    .as("restored savepoint")
                    .isEqualTo(savepoint);
            assertThat(restored.get("is_savepoint").asBoolean()).as("is savepoint").isTrue();

            // Events in the windows that were open at the savepoint, and ids seen before it.
            List<LiveInput.Produced> bridge = input.produceOnTimeAt(lastTimestamp);
            List<LiveInput.Produced> duplicates =
                    input.produceDuplicatesOf(sample(beforeSavepoint, DUPLICATES_ACROSS_SAVEPOINT));
            input.start();
            cluster.awaitCheckpointAfter(
                    versionTwo, cluster.latestCheckpointId(versionTwo) + 4, Duration.ofMinutes(1));
            input.stop();
            input.flush();

            // The new sliding spec receives only the events after the upgrade.
            Map<String, Predicate<LiveInput.Produced>> windows =
                    Map.of(
                            ClusterTestRun.TUMBLING, event -> true,
                            ClusterTestRun.SLIDING, event -> event.phase >= 2);
            List<LiveInput.Produced> produced = input.produced();
            ExactlyOnceCheck.Counts counts =
                    run.awaitAndCheckOutput(produced, windows, OUTPUT_TIMEOUT);
            LOG.info("Contract counts across the savepoint upgrade: {}", counts);

            // The bridge events share their tumbling windows with events from before.
            long bridgeWindowStart =
                    Math.floorDiv(lastTimestamp, TUMBLING_MILLIS) * TUMBLING_MILLIS;
            long sharedWindowEvents =
                    beforeSavepoint.stream()
                            .filter(event -> event.kind == LiveInput.Kind.ON_TIME)
                            .filter(event -> event.timestamp >= bridgeWindowStart)
                            .count();
            assertThat(bridge).as("events after the savepoint in open windows").isNotEmpty();
            assertThat(sharedWindowEvents)
                    .as("events before the savepoint in the same windows")
                    .isPositive();

            // Version 2 read only what was produced after the savepoint, and dropped every
            // repeated id of version 1 as a duplicate: the dedup state survived.
            long producedAfter = produced.size() - beforeSavepoint.size();
            ClusterTestRun.awaitRecordsIn(
                    cluster, versionTwo, producedAfter, Duration.ofMinutes(1));
            Map<String, Long> counters =
                    ClusterTestRun.awaitBalancedCounters(
                            cluster, versionTwo, Duration.ofSeconds(30));
            long duplicatesAfter =
                    produced.stream()
                            .filter(event -> event.phase >= 2)
                            .filter(event -> event.kind == LiveInput.Kind.DUPLICATE)
                            .count();
            assertThat(counters.get(PipelineMetrics.RECORDS_IN))
                    .as("records read after the upgrade")
                    .isEqualTo(producedAfter);
            assertThat(counters.get(PipelineMetrics.DUPLICATES))
                    .as("duplicates after the upgrade, %d of ids from before", duplicates.size())
                    .isEqualTo(duplicatesAfter);

            removedOperatorNeedsAllowNonRestoredState(run, versionTwo, input, savepoints);
        }
    }

    /**
     * Stops version 2 with a savepoint and restores it into version 1 again, which lacks the
     * sliding window operator: rejected as is, accepted with {@code --allowNonRestoredState}. This
     * is also the rollback path from version 2 to version 1.
     */
    private void removedOperatorNeedsAllowNonRestoredState(
            ClusterTestRun run, String versionTwo, LiveInput input, Path savepoints) {
        String savepoint = cluster.stopWithSavepoint(versionTwo, savepoints.resolve("version-2"));
        FlinkCluster.Submission rollback =
                run.submission(ClusterTestRun.TUMBLING, 1).fromSavepoint(savepoint);

        FlinkCluster.CommandResult rejected = cluster.flink(rollback.arguments());
        String failure = rejectionMessage(rejected);
        LOG.info(
                "Restore without --allowNonRestoredState rejected: {}",
                failure.lines()
                        .filter(line -> line.contains("Cannot map"))
                        .findFirst()
                        .orElse(failure));
        assertThat(failure).as("rejection").contains("allowNonRestoredState");

        String accepted = cluster.submit(rollback.copy().allowNonRestoredState());
        cluster.awaitAllTasksRunning(accepted, RUNNING_TIMEOUT);

        // The dedup state came along: an id from before the first savepoint is still a duplicate.
        input.nextPhase();
        LiveInput.Produced first =
                input.produced().stream()
                        .filter(event -> event.kind == LiveInput.Kind.ON_TIME)
                        .findFirst()
                        .orElseThrow();
        input.produceDuplicatesOf(List.of(first));
        ClusterTestRun.awaitRecordsIn(cluster, accepted, 1, Duration.ofMinutes(1));
        Map<String, Long> counters =
                ClusterTestRun.awaitBalancedCounters(cluster, accepted, Duration.ofSeconds(30));
        assertThat(counters.get(PipelineMetrics.DUPLICATES))
                .as("duplicates after the rollback")
                .isEqualTo(1);
        cluster.cancel(accepted, RUNNING_TIMEOUT);
    }

    /**
     * Returns the reason why a restore was rejected: the output of {@code flink run} when it
     * failed, or else the root exception of the job, which fails while it initializes.
     */
    private static String rejectionMessage(FlinkCluster.CommandResult result) {
        if (result.exitCode != 0) {
            return result.output;
        }
        Matcher matcher = JOB_ID.matcher(result.output);
        assertThat(matcher.find()).as("job id in " + result.describe()).isTrue();
        String jobId = matcher.group(1);
        FlinkCluster.awaitCondition(
                "job " + jobId + " failed",
                RUNNING_TIMEOUT,
                () -> cluster.jobState(jobId).equals("FAILED"));
        return cluster.getJson("/jobs/" + jobId + "/exceptions").path("root-exception").asText();
    }

    /** Returns {@code count} on-time events spread evenly over {@code events}. */
    private static List<LiveInput.Produced> sample(List<LiveInput.Produced> events, int count) {
        List<LiveInput.Produced> onTime = new ArrayList<>();
        for (LiveInput.Produced event : events) {
            if (event.kind == LiveInput.Kind.ON_TIME) {
                onTime.add(event);
            }
        }
        List<LiveInput.Produced> sample = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sample.add(onTime.get(i * onTime.size() / count));
        }
        return sample;
    }
}
