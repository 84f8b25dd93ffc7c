package dev.eventpipeline.cluster;

import dev.eventpipeline.testing.ExactlyOnceCheck;
import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.LiveInput;
import dev.eventpipeline.testing.SharedClusterTest;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves exactly-once output across failures on a standalone cluster: a TaskManager killed with
 * SIGKILL while input arrives, and a job cancelled and resubmitted from its retained checkpoint. In
 * both cases the committed output, read with {@code read_committed}, contains every expected
 * aggregate and dead letter exactly once, with exact figures.
 */
class ExactlyOnceRecoveryIT extends SharedClusterTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceRecoveryIT.class);

    private static final String WINDOWS = ClusterTestRun.TUMBLING + "," + ClusterTestRun.SLIDING;
    private static final Map<String, Predicate<LiveInput.Produced>> ALL_EVENTS =
            Map.of(ClusterTestRun.TUMBLING, event -> true, ClusterTestRun.SLIDING, event -> true);
    private static final int PARTITIONS = 3;
    private static final int PARALLELISM = 2;
    private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void taskManagerKillKeepsOutputExact() throws Exception {
        ClusterTestRun run = ClusterTestRun.create(broker, "tm-kill", PARTITIONS);
        String jobId = cluster.submit(run.submission(WINDOWS, PARALLELISM));
        cluster.awaitAllTasksRunning(jobId, RUNNING_TIMEOUT);

        try (LiveInput input = run.liveInput()) {
            input.start();
            run.awaitFirstAggregate(Duration.ofMinutes(1));
            // A few checkpoints of steady state, so the kill lands mid-stream.
            long checkpoint = cluster.latestCheckpointId(jobId);
            cluster.awaitCheckpointAfter(jobId, checkpoint + 2, Duration.ofMinutes(1));

            String killed = cluster.killTaskManager();
            long killedAt = System.currentTimeMillis();
            String added = cluster.addTaskManager();
            LOG.info("Killed {} and started {}", killed, added);

            // Recovered: the job restored a checkpoint, runs all tasks, and completed a new
            // checkpoint, so its sinks commit again.
            FlinkCluster.awaitCondition(
                    "job " + jobId + " restored from a checkpoint",
                    RUNNING_TIMEOUT,
                    () -> cluster.checkpoints(jobId).get("counts").get("restored").asLong() > 0);
            cluster.awaitAllTasksRunning(jobId, RUNNING_TIMEOUT);
            long runningAt = System.currentTimeMillis();
            JsonNode restored = cluster.checkpoints(jobId).get("latest").get("restored");
            long restoredId = restored.get("id").asLong();
            long checkpointAfter = cluster.awaitCheckpointAfter(jobId, restoredId, RUNNING_TIMEOUT);
            long recoveredAt = System.currentTimeMillis();

            // A read_committed reader sees windows that started after the kill, so no
            // transaction of the killed attempt holds back the last stable offset.
            FlinkCluster.awaitCondition(
                    "a committed aggregate of a window that started after the kill",
                    OUTPUT_TIMEOUT,
                    () ->
                            ClusterTestRun.latestWindowStart(
                                            run.aggregates(), ClusterTestRun.TUMBLING)
                                    >= killedAt);
            long visibleAt = System.currentTimeMillis();
            LOG.info(
                    "Recovery after killing {}: restored checkpoint {} at +{} ms, all tasks"
                            + " running at +{} ms, checkpoint {} completed at +{} ms, first"
                            + " committed post-kill window visible at +{} ms",
                    killed,
                    restoredId,
                    restored.get("restore_timestamp").asLong() - killedAt,
                    runningAt - killedAt,
                    checkpointAfter,
                    recoveredAt - killedAt,
                    visibleAt - killedAt);

            // Input continues for a few checkpoints after the recovery.
            cluster.awaitCheckpointAfter(jobId, checkpointAfter + 3, Duration.ofMinutes(1));
            input.stop();
            input.flush();

            ExactlyOnceCheck.Counts counts =
                    run.awaitAndCheckOutput(input.produced(), ALL_EVENTS, OUTPUT_TIMEOUT);
            LOG.info("Contract counts across the TaskManager kill: {}", counts);
            Map<String, Long> counters =
                    ClusterTestRun.awaitBalancedCounters(cluster, jobId, Duration.ofSeconds(30));
            assertThat(counters.get("recordsIn"))
                    .as("records read since the restore, at most all records")
                    .isLessThanOrEqualTo(counts.recordsIn);
        }
        cluster.cancel(jobId, RUNNING_TIMEOUT);
    }

    @Test
    void resubmitFromRetainedCheckpointKeepsOutputExact() throws Exception {
        ClusterTestRun run = ClusterTestRun.create(broker, "resubmit", PARTITIONS);
        FlinkCluster.Submission submission = run.submission(WINDOWS, PARALLELISM);
        String firstJob = cluster.submit(submission);
        cluster.awaitAllTasksRunning(firstJob, RUNNING_TIMEOUT);

        try (LiveInput input = run.liveInput()) {
            input.start();
            run.awaitFirstAggregate(Duration.ofMinutes(1));
            long checkpoint = cluster.latestCheckpointId(firstJob);
            cluster.awaitCheckpointAfter(firstJob, checkpoint + 2, Duration.ofMinutes(1));

            // Cancelling keeps the latest checkpoints (RETAIN_ON_CANCELLATION); input goes on.
            cluster.cancel(firstJob, RUNNING_TIMEOUT);
            String retained =
                    cluster.latestRetainedCheckpoint(firstJob)
                            .orElseThrow(() -> new AssertionError("no retained checkpoint"));
            LOG.info("Cancelled job {}; resubmitting from {}", firstJob, retained);

            String secondJob = cluster.submit(submission.copy().fromSavepoint(retained));
            cluster.awaitAllTasksRunning(secondJob, RUNNING_TIMEOUT);
            JsonNode restored = cluster.checkpoints(secondJob).get("latest").get("restored");
            assertThat(restored.isObject()).as("second job restored a checkpoint").isTrue();
            assertThat(restored.get("external_path").asText())
                    .as("restored path")
                    .endsWith(retained.substring(retained.lastIndexOf('/')));
            long checkpointAfter =
                    cluster.awaitCheckpointAfter(
                            secondJob, restored.get("id").asLong(), RUNNING_TIMEOUT);

            cluster.awaitCheckpointAfter(secondJob, checkpointAfter + 3, Duration.ofMinutes(1));
            input.stop();
            input.flush();

            ExactlyOnceCheck.Counts counts =
                    run.awaitAndCheckOutput(input.produced(), ALL_EVENTS, OUTPUT_TIMEOUT);
            LOG.info("Contract counts across cancel and resubmit: {}", counts);
            ClusterTestRun.awaitBalancedCounters(cluster, secondJob, Duration.ofSeconds(30));
            cluster.cancel(secondJob, RUNNING_TIMEOUT);
        }
    }
}
