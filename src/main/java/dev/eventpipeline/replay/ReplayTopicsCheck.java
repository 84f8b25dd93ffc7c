package dev.eventpipeline.replay;

import dev.eventpipeline.config.ConfigException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks at start-up that both topics of a replay exist and that every partition named in {@code
 * --start-offsets} or {@code --end-offsets} exists. Without the check, a misspelt topic would make
 * a bounded replay finish at once with nothing written.
 */
final class ReplayTopicsCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayTopicsCheck.class);
    private static final long TIMEOUT_SECONDS = 30;

    private ReplayTopicsCheck() {}

    static void verify(ReplayOptions options) {
        Properties properties = options.consumerProperties();
        properties.setProperty(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        properties.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, options.name() + "-check");
        try (Admin admin = Admin.create(properties)) {
            TopicDescription from = describe(admin, options, "--from-topic", options.fromTopic());
            describe(admin, options, "--to-topic", options.toTopic());
            int partitions = from.partitions().size();
            checkPartitions("--start-offsets", options.startOffsets(), options, partitions);
            checkPartitions("--end-offsets", options.endOffsets(), options, partitions);
            LOG.info(
                    "Dead-letter topic {} has {} partitions; target topic {} exists",
                    options.fromTopic(),
                    partitions,
                    options.toTopic());
        }
    }

    private static TopicDescription describe(
            Admin admin, ReplayOptions options, String option, String topic) {
        try {
            Map<String, TopicDescription> descriptions =
                    admin.describeTopics(java.util.List.of(topic))
                            .allTopicNames()
                            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return descriptions.get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new ConfigException(
                        "Invalid value for '"
                                + option
                                + "': topic '"
                                + topic
                                + "' does not exist at "
                                + options.bootstrapServers()
                                + ". Check the name, or create the topic first.");
            }
            throw new ConfigException(
                    "Failed to describe topic '"
                            + topic
                            + "' at "
                            + options.bootstrapServers()
                            + ": "
                            + e.getCause()
                            + ". Check --bootstrap-servers and the client settings.",
                    e.getCause());
        } catch (TimeoutException e) {
            throw new ConfigException(
                    "Timed out after "
                            + TIMEOUT_SECONDS
                            + " s describing topic '"
                            + topic
                            + "' at "
                            + options.bootstrapServers()
                            + ". Check that the brokers are reachable from this host.",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("Interrupted while describing topic '" + topic + "'", e);
        }
    }

    private static void checkPartitions(
            String option, Map<Integer, Long> offsets, ReplayOptions options, int partitions) {
        for (Integer partition : offsets.keySet()) {
            if (partition >= partitions) {
                throw new ConfigException(
                        "Invalid value for '"
                                + option
                                + "': partition "
                                + partition
                                + " does not exist; topic '"
                                + options.fromTopic()
                                + "' has partitions 0 to "
                                + (partitions - 1)
                                + ".");
            }
        }
    }
}
