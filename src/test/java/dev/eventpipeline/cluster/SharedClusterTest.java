package dev.eventpipeline.cluster;

import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.SharedFlinkCluster;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests that submit jobs to the shared standalone cluster and the shared Kafka broker.
 * Each test's jobs are cancelled after it, so the cluster's two slots are free for the next one.
 */
abstract class SharedClusterTest {

    protected static FlinkCluster cluster;
    protected static KafkaBroker broker;

    @BeforeAll
    static void startCluster() {
        broker = SharedKafkaBroker.get();
        cluster = SharedFlinkCluster.get();
    }

    @AfterEach
    void cancelJobs() {
        SharedFlinkCluster.cancelRunningJobs();
    }
}
