package dev.eventpipeline.config;

import java.io.Serializable;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * User name and password given by the names of environment variables: {@code PREFIX.username-env}
 * and {@code PREFIX.password-env} of a job file. Only the names travel in the job graph. The values
 * are read by the process that connects, so a password given this way is never part of a submitted
 * job.
 */
public final class EnvCredentials implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String keyPrefix;
    private final String usernameEnv;
    private final String passwordEnv;
    private final String readers;

    private EnvCredentials(
            String keyPrefix, String usernameEnv, String passwordEnv, String readers) {
        this.keyPrefix = keyPrefix;
        this.usernameEnv = usernameEnv;
        this.passwordEnv = passwordEnv;
        this.readers = readers;
    }

    /**
     * Reads and checks the two variable names under {@code keyPrefix}. {@code examplePassword} is a
     * variable name for error messages, e.g. {@code NATS_PASSWORD}, and {@code readers} names the
     * processes that must have the variables set, e.g. {@code every TaskManager}.
     *
     * @throws ConfigException naming the key, the value and the expected form
     */
    public static EnvCredentials fromConfig(
            JobConfig config, String keyPrefix, String examplePassword, String readers) {
        return new EnvCredentials(
                keyPrefix,
                envName(config, keyPrefix + ".username-env", examplePassword),
                envName(config, keyPrefix + ".password-env", examplePassword),
                readers);
    }

    private static String envName(JobConfig config, String key, String example) {
        String name = config.get(key).trim();
        if (!name.isEmpty() && !ENV_NAME.matcher(name).matches()) {
            throw ConfigException.invalid(
                    key, name, "the name of an environment variable, e.g. " + example);
        }
        return name;
    }

    /** Returns the user name from {@code environment}, or null when the job file names none. */
    public String username(Map<String, String> environment) {
        return resolve(environment, usernameEnv, "username");
    }

    /** Returns the password from {@code environment}, or null when the job file names none. */
    public String password(Map<String, String> environment) {
        return resolve(environment, passwordEnv, "password");
    }

    private String resolve(Map<String, String> environment, String name, String credential) {
        if (name.isEmpty()) {
            return null;
        }
        String value = environment.get(name);
        if (value == null) {
            throw new ConfigException(
                    "Environment variable '"
                            + name
                            + "' named by '"
                            + keyPrefix
                            + "."
                            + credential
                            + "-env' is not set in this process. Set it in the environment of "
                            + readers
                            + ".");
        }
        return value;
    }
}
