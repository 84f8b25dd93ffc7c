package dev.eventpipeline.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves secret references in job-file values and masks secrets for logging.
 *
 * <p>A value may contain {@code ${env:NAME}} (an environment variable) or {@code ${file:PATH}} (the
 * content of a file, trailing line break removed), so no secret has to be written in a job file.
 */
public final class Secrets {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)([^:/@]*):([^@/]*)@");
    private static final String MASK = "******";

    private Secrets() {}

    /** Replaces every reference in {@code value}; {@code key} names the setting in errors. */
    public static String resolve(String key, String value, Map<String, String> environment) {
        Matcher matcher = REFERENCE.matcher(value);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String kind = matcher.group(1);
            String target = matcher.group(2);
            String replacement;
            if (kind.equals("env")) {
                replacement = environment.get(target);
                if (replacement == null) {
                    throw new ConfigException(
                            "Invalid value for '"
                                    + key
                                    + "': environment variable '"
                                    + target
                                    + "' is not set. Export it before starting the job.");
                }
            } else {
                try {
                    replacement =
                            Files.readString(Path.of(target), StandardCharsets.UTF_8)
                                    .replaceAll("\\r?\\n$", "");
                } catch (IOException e) {
                    throw new ConfigException(
                            "Invalid value for '"
                                    + key
                                    + "': cannot read secret file '"
                                    + target
                                    + "' ("
                                    + e.getMessage()
                                    + "). Check the path and its permissions.",
                            e);
                }
            }
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /** Whether a key names a secret (password, JAAS config, key material). */
    public static boolean isSecretKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.contains("password")
                || lower.contains("secret")
                || lower.contains("jaas.config")
                || lower.contains("token")
                || lower.endsWith(".key")
                || lower.contains("credentials");
    }

    /** Returns the value fit for a log line: secrets masked, passwords in URIs masked. */
    public static String mask(String key, String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        if (isSecretKey(key)) {
            return MASK;
        }
        return USER_INFO.matcher(value).replaceAll("$1:" + MASK + "@");
    }
}
