package dev.eventpipeline.sink;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks at start-up that the producer transaction timeout fits the broker: a broker refuses a
 * transaction timeout above its {@code transaction.max.timeout.ms} (stock value 15 min), and the
 * job would otherwise fail on its first transaction and restart forever.
 */
public final class TransactionTimeoutCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionTimeoutCheck.class);

    /** The broker setting that caps producer transaction timeouts. */
    public static final String BROKER_MAX = "transaction.max.timeout.ms";

    private TransactionTimeoutCheck() {}

    /** Checks the results and dead-letter clusters; throws {@link ConfigException} on a misfit. */
    public static void verify(JobConfig config) {
        if (config.delivery() != JobConfig.Delivery.EXACTLY_ONCE) {
            return;
        }
        verifyCluster(
                config,
                config.sinkBootstrapServers(),
                config.clientProperties(KafkaSinks.SINK_PROPERTIES_PREFIX));
        if (config.deadLetterType() == JobConfig.Endpoint.KAFKA
                && !config.deadLetterBootstrapServers().equals(config.sinkBootstrapServers())) {
            Properties properties = config.clientProperties(KafkaSinks.SINK_PROPERTIES_PREFIX);
            properties.putAll(config.clientProperties(KafkaSinks.DLQ_PROPERTIES_PREFIX));
            verifyCluster(config, config.deadLetterBootstrapServers(), properties);
        }
    }

    private static void verifyCluster(
            JobConfig config, String bootstrapServers, Properties clientProperties) {
        long timeoutMs = config.transactionTimeout().toMillis();
        Long brokerMax = readBrokerMax(bootstrapServers, clientProperties);
        if (brokerMax == null) {
            return;
        }
        if (timeoutMs > brokerMax) {
            throw new ConfigException(
                    "Invalid value for 'sink.transaction-timeout': "
                            + timeoutMs
                            + " ms is above the broker's "
                            + BROKER_MAX
                            + " of "
                            + brokerMax
                            + " ms at "
                            + bootstrapServers
                            + ". Set sink.transaction-timeout to at most "
                            + brokerMax
                            + "ms, or raise "
                            + BROKER_MAX
                            + " on the brokers.");
        }
        LOG.info(
                "Producer transaction timeout {} ms fits the broker's {} of {} ms at {}",
                timeoutMs,
                BROKER_MAX,
                brokerMax,
                bootstrapServers);
    }

    /**
     * Reads the broker maximum, or returns null (with a warning) when no broker responds.
     *
     * @throws ConfigException when the broker rejects the credentials in {@code clientProperties}
     */
    static Long readBrokerMax(String bootstrapServers, Properties clientProperties) {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        try (Admin admin = Admin.create(properties)) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            if (nodes.isEmpty()) {
                LOG.warn(
                        "Kafka at {} reported no brokers; transaction timeout not checked",
                        bootstrapServers);
                return null;
            }
            ConfigResource broker =
                    new ConfigResource(
                            ConfigResource.Type.BROKER,
                            Integer.toString(nodes.iterator().next().id()));
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS);
            ConfigEntry entry = configs.get(broker).get(BROKER_MAX);
            return entry == null || entry.value() == null ? null : Long.parseLong(entry.value());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException) {
                // Wrong credentials never heal by themselves: fail now instead of restarting.
                throw new ConfigException(
                        "Kafka at "
                                + bootstrapServers
                                + " rejected the job's credentials ("
                                + e.getCause().getClass().getSimpleName()
                                + ": "
                                + e.getCause().getMessage()
                                + "). Check the SASL or TLS settings under sink.properties. (and"
                                + " dlq.properties.), such as sasl.jaas.config and the secret it"
                                + " references.",
                        e.getCause());
            }
            logUnchecked(bootstrapServers, e.getCause() == null ? e : e.getCause());
            return null;
        } catch (TimeoutException | RuntimeException e) {
            logUnchecked(bootstrapServers, e);
            return null;
        }
    }

    private static void logUnchecked(String bootstrapServers, Throwable cause) {
        LOG.warn(
                "Cannot read {} from Kafka at {}; the transaction timeout is not checked: {}. If"
                        + " this address is wrong, fix sink.bootstrap-servers (it defaults to"
                        + " source.bootstrap-servers): the job cannot start its sinks and keeps"
                        + " restarting with backoff until it reaches the broker",
                BROKER_MAX,
                bootstrapServers,
                cause.toString());
    }
}
