package dev.eventpipeline.testing;

import org.apache.flink.configuration.Configuration;

/** Settings shared by the MiniClusters of the robustness tests. */
public final class TestClusters {

    private TestClusters() {}

    /**
     * Returns a configuration whose REST endpoint, JobManager and TaskManager bind to 127.0.0.1
     * only, so a test cluster is not reachable from other hosts.
     */
    public static Configuration loopbackOnly() {
        Configuration configuration = new Configuration();
        configuration.setString("rest.bind-address", "127.0.0.1");
        configuration.setString("rest.address", "127.0.0.1");
        configuration.setString("jobmanager.bind-host", "127.0.0.1");
        configuration.setString("taskmanager.bind-host", "127.0.0.1");
        configuration.setString("taskmanager.host", "127.0.0.1");
        return configuration;
    }
}
