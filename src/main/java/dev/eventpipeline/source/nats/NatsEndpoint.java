package dev.eventpipeline.source.nats;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.EnvCredentials;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.Secrets;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;

/**
 * Connection settings for NATS: the {@code *.uri} of a job file plus the environment variables that
 * {@code *.username-env} and {@code *.password-env} name.
 *
 * <p>The variables are read by the process that connects (the JobManager for the source's split
 * enumerator, the TaskManagers for readers and writers), so a password given that way never travels
 * in the job graph. The URI is only ever logged masked.
 */
public final class NatsEndpoint implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NatsEndpoint.class);

    private static final String URI_SYNTAX =
            "nats://host:port (or tls://host:port), optionally nats://user:password@host:port";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final String keyPrefix;
    private final String uri;
    private final EnvCredentials credentials;

    private NatsEndpoint(String keyPrefix, String uri, EnvCredentials credentials) {
        this.keyPrefix = keyPrefix;
        this.uri = uri;
        this.credentials = credentials;
    }

    /**
     * Reads and checks {@code PREFIX.uri}, {@code PREFIX.username-env} and {@code
     * PREFIX.password-env}, where the prefix is {@code source} or {@code dlq}.
     */
    public static NatsEndpoint fromConfig(JobConfig config, String keyPrefix) {
        String uriKey = keyPrefix + ".uri";
        String uri = config.get(uriKey).trim();
        String masked = Secrets.mask(uriKey, uri);
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme();
            if (!("nats".equals(scheme) || "tls".equals(scheme))
                    || parsed.getHost() == null
                    || parsed.getPort() <= 0) {
                throw ConfigException.invalid(uriKey, masked, URI_SYNTAX);
            }
        } catch (URISyntaxException e) {
            throw ConfigException.invalid(uriKey, masked, URI_SYNTAX);
        }
        return new NatsEndpoint(
                keyPrefix,
                uri,
                EnvCredentials.fromConfig(
                        config,
                        keyPrefix,
                        "NATS_PASSWORD",
                        "the JobManager and every TaskManager"));
    }

    /** Returns the URI with any password masked, for logs and error messages. */
    public String maskedUri() {
        return Secrets.mask(keyPrefix + ".uri", uri);
    }

    /**
     * Connects, with user name and password from the environment variables the job file names where
     * it names them. The client reconnects on its own after a network error; requests that fail
     * meanwhile throw, which fails the task.
     *
     * @param connectionName shown by the server's monitoring, e.g. {@code job/source/stream}
     */
    public Connection connect(Map<String, String> environment, String connectionName)
            throws IOException, InterruptedException {
        Options.Builder options =
                new Options.Builder()
                        .server(uri)
                        .connectionName(connectionName)
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .errorListener(new LoggingListener(connectionName))
                        .connectionListener(new LoggingListener(connectionName));
        String user = credentials.username(environment);
        String password = credentials.password(environment);
        if (user != null || password != null) {
            options.userInfo(user == null ? "" : user, password == null ? "" : password);
        }
        Connection connection = Nats.connect(options.build());
        LOG.info("Connected to NATS {} as '{}'", maskedUri(), connectionName);
        return connection;
    }

    /** Sends the client's connection events and errors to SLF4J instead of its own output. */
    private static final class LoggingListener implements ErrorListener, ConnectionListener {

        private final String connectionName;

        LoggingListener(String connectionName) {
            this.connectionName = connectionName;
        }

        @Override
        public void connectionEvent(Connection connection, Events event) {
            if (event == Events.DISCONNECTED || event == Events.CLOSED) {
                LOG.info("NATS connection '{}': {}", connectionName, event.getEvent());
            } else if (event == Events.RECONNECTED) {
                LOG.warn("NATS connection '{}' reconnected", connectionName);
            }
        }

        @Override
        public void errorOccurred(Connection connection, String error) {
            LOG.error("NATS connection '{}' reported an error: {}", connectionName, error);
        }

        @Override
        public void exceptionOccurred(Connection connection, Exception exception) {
            LOG.warn("NATS connection '{}' caught an exception", connectionName, exception);
        }

        @Override
        public void slowConsumerDetected(Connection connection, Consumer consumer) {
            LOG.warn("NATS connection '{}' has a slow consumer", connectionName);
        }
    }
}
