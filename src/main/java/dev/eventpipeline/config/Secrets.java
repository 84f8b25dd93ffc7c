package dev.eventpipeline.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

    /** Kafka consumer, producer and admin settings of type PASSWORD. */
    private static final Set<String> KAFKA_PASSWORD_SETTINGS = kafkaPasswordSettings();

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

    /**
     * Returns whether a key names a secret. A secret is a Kafka client setting of type PASSWORD
     * (which the Kafka clients print as [hidden]) under a pass-through prefix, or any key that
     * names a password, secret, JAAS config, token or credentials. A name ending in {@code .key} is
     * a secret only among the client settings, so that {@code fields.key} stays readable.
     */
    public static boolean isSecretKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        String clientSetting = clientSetting(lower);
        if (clientSetting != null
                && (KAFKA_PASSWORD_SETTINGS.contains(clientSetting)
                        || clientSetting.endsWith(".key"))) {
            return true;
        }
        return lower.contains("password")
                || lower.contains("secret")
                || lower.contains("jaas.config")
                || lower.contains("token")
                || lower.contains("credentials");
    }

    /** Returns the Kafka client setting that {@code key} passes through, or null. */
    private static String clientSetting(String key) {
        for (String prefix : ConfigKeys.PASS_THROUGH_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return null;
    }

    private static Set<String> kafkaPasswordSettings() {
        Set<String> names = new HashSet<>();
        for (ConfigDef definition :
                List.of(
                        ConsumerConfig.configDef(),
                        ProducerConfig.configDef(),
                        AdminClientConfig.configDef())) {
            definition
                    .configKeys()
                    .forEach(
                            (name, setting) -> {
                                if (setting.type == ConfigDef.Type.PASSWORD) {
                                    names.add(name);
                                }
                            });
        }
        return Collections.unmodifiableSet(names);
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
