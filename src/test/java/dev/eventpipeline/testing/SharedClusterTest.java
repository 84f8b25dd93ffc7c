package dev.eventpipeline.testing;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests that submit jobs to the shared standalone cluster and the shared Kafka broker.
 * Each test's jobs are cancelled after it, so the cluster's two slots are free for the next one.
 */
public abstract class SharedClusterTest {

    protected static FlinkCluster cluster;
    protected static KafkaBroker broker;

    @BeforeAll
    public static void startCluster() {
        broker = SharedKafkaBroker.get();
        cluster = SharedFlinkCluster.get();
    }

    @AfterEach
    public void cancelJobs() {
        SharedFlinkCluster.cancelRunningJobs();
    }
}
