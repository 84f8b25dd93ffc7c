package dev.eventpipeline.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the duration syntax of job files: {@code 500ms}, {@code 5s}, {@code 10min}. */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|min|h|d)");

    /** What the syntax allows, for error messages. */
    public static final String SYNTAX =
            "a non-negative whole number with a unit ms, s, min, h or d (e.g. 500ms, 5s, 10min)";

    private Durations() {}

    /** Parses {@code text}; {@code key} names the setting in the error message. */
    public static Duration parse(String key, String text) {
        Matcher matcher = DURATION.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw ConfigException.invalid(key, text, SYNTAX);
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration duration;
        switch (matcher.group(2)) {
            case "ms":
                duration = Duration.ofMillis(amount);
                break;
            case "s":
                duration = Duration.ofSeconds(amount);
                break;
            case "min":
                duration = Duration.ofMinutes(amount);
                break;
            case "h":
                duration = Duration.ofHours(amount);
                break;
            default:
                duration = Duration.ofDays(amount);
        }
        try {
            // Every user of a duration works in milliseconds.
            duration.toMillis();
        } catch (ArithmeticException e) {
            throw ConfigException.invalid(
                    key, text, "a duration of at most 106751991167d (the largest in milliseconds)");
        }
        return duration;
    }

    /** Prints a duration in the largest unit that keeps it whole. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis != 0 && millis % 86_400_000L == 0) {
            return millis / 86_400_000L + "d";
        }
        if (millis != 0 && millis % 3_600_000L == 0) {
            return millis / 3_600_000L + "h";
        }
        if (millis != 0 && millis % 60_000L == 0) {
            return millis / 60_000L + "min";
        }
        if (millis % 1000L == 0) {
            return millis / 1000L + "s";
        }
        return millis + "ms";
    }
}
