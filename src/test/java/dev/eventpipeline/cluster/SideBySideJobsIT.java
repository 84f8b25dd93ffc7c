package dev.eventpipeline.cluster;

import dev.eventpipeline.testing.ExactlyOnceCheck;
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
 * Runs two exactly-once jobs side by side on one cluster and one Kafka broker, with different names
 * and topics. Each job derives its transactional id prefixes from its name, so neither fences the
 * other's producers: both run without a restart and both outputs are exact.
 */
class SideBySideJobsIT extends SharedClusterTest {

    private static final Logger LOG = LoggerFactory.getLogger(SideBySideJobsIT.class);

    private static final String WINDOWS = ClusterTestRun.TUMBLING + "," + ClusterTestRun.SLIDING;
    private static final Map<String, Predicate<LiveInput.Produced>> ALL_EVENTS =
            Map.of(ClusterTestRun.TUMBLING, event -> true, ClusterTestRun.SLIDING, event -> true);
    private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(2);

    @Test
    void twoJobsStayExactWithoutFencing() throws Exception {
        ClusterTestRun left = ClusterTestRun.create(broker, "left", 2);
        ClusterTestRun right = ClusterTestRun.create(broker, "right", 2);
        // One slot each: the shared cluster has one TaskManager with two slots.
        String leftJob = cluster.submit(left.submission(WINDOWS, 1));
        String rightJob = cluster.submit(right.submission(WINDOWS, 1));
        cluster.awaitAllTasksRunning(leftJob, RUNNING_TIMEOUT);
        cluster.awaitAllTasksRunning(rightJob, RUNNING_TIMEOUT);

        try (LiveInput leftInput = left.liveInput();
                LiveInput rightInput = right.liveInput()) {
            leftInput.start();
            rightInput.start();
            left.awaitFirstAggregate(Duration.ofMinutes(1));
            right.awaitFirstAggregate(Duration.ofMinutes(1));
            // Several checkpoints, so both jobs commit transactions at the same time.
            cluster.awaitCheckpointAfter(
                    leftJob, cluster.latestCheckpointId(leftJob) + 5, Duration.ofMinutes(1));
            cluster.awaitCheckpointAfter(
                    rightJob, cluster.latestCheckpointId(rightJob) + 1, Duration.ofMinutes(1));
            leftInput.stop();
            rightInput.stop();
            leftInput.flush();
            rightInput.flush();

            ExactlyOnceCheck.Counts leftCounts =
                    left.awaitAndCheckOutput(leftInput.produced(), ALL_EVENTS, OUTPUT_TIMEOUT);
            ExactlyOnceCheck.Counts rightCounts =
                    right.awaitAndCheckOutput(rightInput.produced(), ALL_EVENTS, OUTPUT_TIMEOUT);
            LOG.info(
                    "Side by side: {} has {}; {} has {}",
                    left.name,
                    leftCounts,
                    right.name,
                    rightCounts);
        }

        for (String jobId : new String[] {leftJob, rightJob}) {
            assertThat(cluster.jobState(jobId)).as("state of " + jobId).isEqualTo("RUNNING");
            JsonNode exceptions = cluster.getJson("/jobs/" + jobId + "/exceptions");
            assertThat(exceptions.path("exceptionHistory").path("entries"))
                    .as("failures of job " + jobId)
                    .isEmpty();
            cluster.cancel(jobId, RUNNING_TIMEOUT);
        }
    }
}
