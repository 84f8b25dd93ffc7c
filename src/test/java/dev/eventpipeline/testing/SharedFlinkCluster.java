package dev.eventpipeline.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * One {@link FlinkCluster} per test JVM with one TaskManager of two slots, started on first use and
 * stopped by a shutdown hook, so that a suite pays the cluster's start time once.
 *
 * <p>Tests that share the cluster cancel or stop every job they submit, so the next test finds all
 * slots free. A test may kill the TaskManager, but then starts a new one before it ends.
 */
public final class SharedFlinkCluster {

    private static final Logger LOG = LoggerFactory.getLogger(SharedFlinkCluster.class);

    private static FlinkCluster cluster;
    private static RuntimeException startFailure;

    private SharedFlinkCluster() {}

    /**
     * Returns the shared cluster, starting it on the first call.
     *
     * @throws IllegalStateException if the cluster failed to start. Later calls fail at once with
     *     the same cause.
     */
    public static synchronized FlinkCluster get() {
        if (startFailure != null) {
            throw new IllegalStateException(
                    "The shared Flink cluster failed to start", startFailure);
        }
        if (cluster == null) {
            try {
                cluster = FlinkCluster.builder().name("shared").taskManagers(1).start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(SharedFlinkCluster::stop, "shared-flink-stop"));
        }
        return cluster;
    }

    /**
     * Cancels every job that has not ended on the shared cluster, so that a failed test does not
     * keep slots that the next test needs.
     */
    public static synchronized void cancelRunningJobs() {
        if (cluster == null) {
            return;
        }
        for (String jobId : cluster.activeJobs()) {
            LOG.warn("Cancelling job {} that a test left running", jobId);
            try {
                cluster.cancel(jobId, Duration.ofMinutes(1));
            } catch (RuntimeException e) {
                LOG.error("Failed to cancel job {}", jobId, e);
            }
        }
    }

    private static synchronized void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
