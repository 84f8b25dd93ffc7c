package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.Secrets;

import com.rabbitmq.client.ConnectionFactory;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where and as whom the job connects to RabbitMQ: the {@code *.uri} of a job file plus the
 * environment variables that {@code *.username-env} and {@code *.password-env} name.
 *
 * <p>The variables are read by the process that opens the connection (a TaskManager), not by the
 * client that submits the job, so a password given that way never travels in the job graph. A
 * password written in the URI does travel with it; the URI is only ever logged masked.
 */
public final class RabbitMqEndpoint implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String URI_SYNTAX = "amqp://user:password@host:port/vhost or amqps://...";

    private final String keyPrefix;
    private final String uri;
    private final String usernameEnv;
    private final String passwordEnv;

    private RabbitMqEndpoint(String keyPrefix, String uri, String usernameEnv, String passwordEnv) {
        this.keyPrefix = keyPrefix;
        this.uri = uri;
        this.usernameEnv = usernameEnv;
        this.passwordEnv = passwordEnv;
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
            // A URISyntaxException message repeats the input, password included; its reason not.
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
                envName(config, keyPrefix + ".username-env"),
                envName(config, keyPrefix + ".password-env"));
    }

    static String envName(JobConfig config, String key) {
        String name = config.get(key).trim();
        if (!name.isEmpty() && !ENV_NAME.matcher(name).matches()) {
            throw ConfigException.invalid(
                    key, name, "the name of an environment variable, e.g. RABBITMQ_PASSWORD");
        }
        return name;
    }

    /** The URI with any password masked, for logs and error messages. */
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
        if (!usernameEnv.isEmpty()) {
            factory.setUsername(resolve(environment, usernameEnv, keyPrefix + ".username-env"));
        }
        if (!passwordEnv.isEmpty()) {
            factory.setPassword(resolve(environment, passwordEnv, keyPrefix + ".password-env"));
        }
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        return factory;
    }

    private static String resolve(Map<String, String> environment, String name, String key) {
        String value = environment.get(name);
        if (value == null) {
            throw new ConfigException(
                    "Environment variable '"
                            + name
                            + "' named by '"
                            + key
                            + "' is not set in this process. Set it in the environment of every"
                            + " TaskManager.");
        }
        return value;
    }
}
