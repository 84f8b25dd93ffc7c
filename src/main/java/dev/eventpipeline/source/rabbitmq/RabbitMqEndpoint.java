package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.EnvCredentials;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.Secrets;

import com.rabbitmq.client.ConnectionFactory;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.util.Map;

/**
 * Connection settings for RabbitMQ: the {@code *.uri} of a job file plus the environment variables
 * that {@code *.username-env} and {@code *.password-env} name.
 *
 * <p>The variables are read by the process that opens the connection (a TaskManager), not by the
 * client that submits the job, so a password given that way never travels in the job graph. A
 * password written in the URI does travel with it; the URI is only ever logged masked.
 */
public final class RabbitMqEndpoint implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final String URI_SYNTAX = "amqp://user:password@host:port/vhost or amqps://...";

    private final String keyPrefix;
    private final String uri;
    private final EnvCredentials credentials;

    private RabbitMqEndpoint(String keyPrefix, String uri, EnvCredentials credentials) {
        this.keyPrefix = keyPrefix;
        this.uri = uri;
        this.credentials = credentials;
    }

    /**
     * Reads and checks {@code PREFIX.uri}, {@code PREFIX.username-env} and {@code
     * PREFIX.password-env}, where the prefix is {@code source} or {@code dlq}.
     *
     * @throws ConfigException naming the key, the (masked) value and the expected form
     */
    public static RabbitMqEndpoint fromConfig(JobConfig config, String keyPrefix) {
        String uriKey = keyPrefix + ".uri";
        String uri = config.get(uriKey).trim();
        String masked = Secrets.mask(uriKey, uri);
        if (!uri.startsWith("amqp://") && !uri.startsWith("amqps://")) {
            throw ConfigException.invalid(uriKey, masked, URI_SYNTAX);
        }
        try {
            // The client accepts a URI whose authority it cannot read and then connects to
            // localhost, so the host is checked here.
            if (new URI(uri).getHost() == null) {
                throw new URISyntaxException(uri, "no host name, or a port that is not a number");
            }
            new ConnectionFactory().setUri(uri);
        } catch (URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
            // The message of a URISyntaxException repeats the input, password included, but its
            // reason does not.
            String reason =
                    e instanceof URISyntaxException
                            ? ((URISyntaxException) e).getReason()
                            : String.valueOf(e.getMessage()).replace(uri, masked);
            throw new ConfigException(
                    "Invalid value for '"
                            + uriKey
                            + "': '"
                            + masked
                            + "' ("
                            + reason
                            + "). Expected "
                            + URI_SYNTAX
                            + ".",
                    e);
        }
        return new RabbitMqEndpoint(
                keyPrefix,
                uri,
                EnvCredentials.fromConfig(
                        config, keyPrefix, "RABBITMQ_PASSWORD", "every TaskManager"));
    }

    /** Returns the URI with any password masked, for logs and error messages. */
    public String maskedUri() {
        return Secrets.mask(keyPrefix + ".uri", uri);
    }

    /**
     * Builds a connection factory from the URI, with user name and password replaced by the
     * environment variables the job file names. Automatic recovery is off: after a lost connection
     * the task fails and Flink restarts it from the last checkpoint, which is what keeps
     * acknowledgements and checkpoints consistent.
     *
     * @throws ConfigException when a named environment variable is not set in {@code environment}
     */
    public ConnectionFactory connectionFactory(Map<String, String> environment) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        String username = credentials.username(environment);
        if (username != null) {
            factory.setUsername(username);
        }
        String password = credentials.password(environment);
        if (password != null) {
            factory.setPassword(password);
        }
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        return factory;
    }
}
