package dev.eventpipeline.config;

/**
 * A job configuration error found at start-up; the message names the key, the value and the fix.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Builds the standard message: which key, which value, what is allowed. */
    public static ConfigException invalid(String key, Object value, String allowed) {
        return new ConfigException(
                "Invalid value for '" + key + "': '" + value + "'. Expected " + allowed + ".");
    }
}
