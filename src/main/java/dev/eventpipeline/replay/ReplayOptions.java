package dev.eventpipeline.replay;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.Durations;
import dev.eventpipeline.config.Secrets;
import dev.eventpipeline.model.DeadLetter;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The validated command line of {@link DeadLetterReplayJob}: which range of the dead-letter topic
 * to read, which dead letters to select in it, and where to republish them. Every option is checked
 * when the object is built, so a bad command fails at start-up with a message naming the option,
 * the value and the fix.
 */
public final class ReplayOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern PARTITION_OFFSET = Pattern.compile("(\\d{1,9}):(\\d{1,19})");

    /** Reasons a dead letter can carry in its {@code dlq.reason} header. */
    public static final List<String> REASONS =
            List.of(DeadLetter.INVALID, DeadLetter.LATE, DeadLetter.FAILED);

    /** Command-line help, printed with every usage error. */
    public static final String USAGE =
            String.join(
                    "\n",
                    "Usage: DeadLetterReplayJob --bootstrap-servers HOST:PORT --to-topic TOPIC"
                            + " [OPTION VALUE]...",
                    "  --bootstrap-servers HOST:PORT[,...]  Kafka cluster of the dead letters and"
                            + " of the target topic (required)",
                    "  --from-topic TOPIC             dead-letter topic to read (default"
                            + " dead-letters)",
                    "  --to-topic TOPIC               topic the original records are written to"
                            + " (required)",
                    "  --reason R[,R...]              select only these dlq.reason values: invalid,"
                            + " late, failed (default: all records)",
                    "  --source-job NAME              select only dead letters whose dlq.job is"
                            + " NAME (default: any job)",
                    "  --start-time TIME              first dead-letter record timestamp to read,"
                            + " inclusive: ISO-8601 instant or epoch milliseconds",
                    "  --start-offsets P:O[,P:O...]   first offset per partition, inclusive;"
                            + " partitions not listed start at the earliest offset",
                    "  --end-time TIME                dead-letter record timestamp to stop at,"
                            + " exclusive",
                    "  --end-offsets P:O[,P:O...]     offset per partition to stop at, exclusive;"
                            + " partitions not listed stop at the latest committed offset",
                    "  --name NAME                    Flink job name (default"
                            + " dead-letter-replay)",
                    "  --transactional-id-prefix P    Kafka transactional id prefix of the writer"
                            + " (default: the job name)",
                    "  --transaction-timeout D        Kafka transaction timeout, at most the"
                            + " broker's transaction.max.timeout.ms (default 10min)",
                    "  --checkpoint-interval D        checkpoint interval when the cluster sets"
                            + " none; each checkpoint commits a transaction (default 5s)",
                    "  --parallelism N                parallelism of the replay (default: the"
                            + " cluster's)",
                    "  --consumer-property K=V        Kafka consumer setting, repeatable (e.g."
                            + " security.protocol=SASL_SSL); a value may name ${env:VAR} or"
                            + " ${file:PATH}",
                    "  --producer-property K=V        Kafka producer setting, repeatable",
                    "Without --start-*, reading starts at the earliest offset; without --end-*,"
                            + " it stops at the latest committed offsets when the job starts.");

    /** Kind of start or end position in each partition of the dead-letter topic. */
    public enum BoundKind {
        /** The earliest offset (start) or the latest committed offset at start-up (end). */
        DEFAULT,
        /** The first record whose timestamp is at or after a given time. */
        TIME,
        /** Given offsets per partition. */
        OFFSETS
    }

    private final String bootstrapServers;
    private final String fromTopic;
    private final String toTopic;
    private final Set<String> reasons;
    private final String sourceJob;
    private final BoundKind startKind;
    private final long startTime;
    private final Map<Integer, Long> startOffsets;
    private final BoundKind endKind;
    private final long endTime;
    private final Map<Integer, Long> endOffsets;
    private final String name;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    private final Duration checkpointInterval;
    private final Integer parallelism;
    private final TreeMap<String, String> consumerProperties;
    private final TreeMap<String, String> producerProperties;

    private ReplayOptions(Map<String, List<String>> values, Map<String, String> environment) {
        this.bootstrapServers = required(values, "--bootstrap-servers");
        this.fromTopic = topic(values, "--from-topic", "dead-letters");
        this.toTopic = topic(values, "--to-topic", null);
        if (fromTopic.equals(toTopic)) {
            throw new ConfigException(
                    "Invalid value for '--to-topic': '"
                            + toTopic
                            + "' is also the dead-letter topic. Republish to the job's input topic"
                            + " or to a topic of its own.");
        }
        this.reasons = reasons(single(values, "--reason", ""));
        this.sourceJob = single(values, "--source-job", "");

        if (values.containsKey("--start-time") && values.containsKey("--start-offsets")) {
            throw new ConfigException(
                    "Both --start-time and --start-offsets are given. Use one of them. " + USAGE);
        }
        if (values.containsKey("--end-time") && values.containsKey("--end-offsets")) {
            throw new ConfigException(
                    "Both --end-time and --end-offsets are given. Use one of them. " + USAGE);
        }
        this.startKind = boundKind(values, "--start-time", "--start-offsets");
        this.startTime = time(values, "--start-time");
        this.startOffsets = offsets(values, "--start-offsets");
        this.endKind = boundKind(values, "--end-time", "--end-offsets");
        this.endTime = time(values, "--end-time");
        this.endOffsets = offsets(values, "--end-offsets");
        checkRange();

        this.name = single(values, "--name", "dead-letter-replay");
        if (!NAME.matcher(name).matches()) {
            throw ConfigException.invalid(
                    "--name", name, "letters, digits, '.', '_' or '-', at most 200");
        }
        this.transactionalIdPrefix = single(values, "--transactional-id-prefix", name);
        if (transactionalIdPrefix.isBlank()) {
            throw ConfigException.invalid(
                    "--transactional-id-prefix", transactionalIdPrefix, "a non-empty prefix");
        }
        this.transactionTimeout =
                positiveDuration(
                        "--transaction-timeout", single(values, "--transaction-timeout", "10min"));
        this.checkpointInterval =
                positiveDuration(
                        "--checkpoint-interval", single(values, "--checkpoint-interval", "5s"));
        this.parallelism = parallelism(single(values, "--parallelism", ""));

        this.consumerProperties = properties(values, "--consumer-property", environment);
        this.producerProperties = properties(values, "--producer-property", environment);
    }

    /** Parses and validates {@code args} with the process environment. */
    public static ReplayOptions parse(String[] args) {
        return parse(args, System.getenv());
    }

    /**
     * Parses and validates {@code args}; {@code environment} resolves {@code ${env:NAME}} in
     * property values. Throws {@link ConfigException} with the fix.
     */
    public static ReplayOptions parse(String[] args, Map<String, String> environment) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        Set<String> repeatable = Set.of("--consumer-property", "--producer-property");
        Set<String> known =
                Set.of(
                        "--bootstrap-servers",
                        "--from-topic",
                        "--to-topic",
                        "--reason",
                        "--source-job",
                        "--start-time",
                        "--start-offsets",
                        "--end-time",
                        "--end-offsets",
                        "--name",
                        "--transactional-id-prefix",
                        "--transaction-timeout",
                        "--checkpoint-interval",
                        "--parallelism",
                        "--consumer-property",
                        "--producer-property");
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (!known.contains(option)) {
                throw new ConfigException("Unknown argument '" + option + "'.\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new ConfigException("Missing value after " + option + ".\n" + USAGE);
            }
            List<String> list = values.computeIfAbsent(option, key -> new ArrayList<>());
            if (!list.isEmpty() && !repeatable.contains(option)) {
                throw new ConfigException(option + " is given twice.\n" + USAGE);
            }
            list.add(args[++i]);
        }
        return new ReplayOptions(values, environment);
    }

    // ---------------------------------------------------------------- accessors

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String fromTopic() {
        return fromTopic;
    }

    public String toTopic() {
        return toTopic;
    }

    /** Returns the selected {@code dlq.reason} values. An empty set selects every record. */
    public Set<String> reasons() {
        return reasons;
    }

    /** Returns the selected {@code dlq.job} value. An empty value selects every job. */
    public String sourceJob() {
        return sourceJob;
    }

    public BoundKind startKind() {
        return startKind;
    }

    /** Start timestamp in epoch milliseconds; meaningful for {@link BoundKind#TIME}. */
    public long startTime() {
        return startTime;
    }

    /** Start offset per partition; meaningful for {@link BoundKind#OFFSETS}. */
    public Map<Integer, Long> startOffsets() {
        return startOffsets;
    }

    public BoundKind endKind() {
        return endKind;
    }

    /** End timestamp in epoch milliseconds, exclusive; meaningful for {@link BoundKind#TIME}. */
    public long endTime() {
        return endTime;
    }

    /** End offset per partition, exclusive; meaningful for {@link BoundKind#OFFSETS}. */
    public Map<Integer, Long> endOffsets() {
        return endOffsets;
    }

    public String name() {
        return name;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** Parallelism, or {@code null} for the cluster's default. */
    public Integer parallelism() {
        return parallelism;
    }

    public Properties consumerProperties() {
        Properties properties = new Properties();
        properties.putAll(consumerProperties);
        return properties;
    }

    public Properties producerProperties() {
        Properties properties = new Properties();
        properties.putAll(producerProperties);
        return properties;
    }

    /** Returns a one-line summary for the start-up log, with secrets masked. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append(fromTopic)
                .append(" -> ")
                .append(toTopic)
                .append(" at ")
                .append(bootstrapServers);
        text.append(", reasons ").append(reasons.isEmpty() ? "all" : String.join(",", reasons));
        text.append(", source job ").append(sourceJob.isEmpty() ? "any" : sourceJob);
        text.append(", start ")
                .append(describeBound(startKind, startTime, startOffsets, "earliest"));
        text.append(", end ").append(describeBound(endKind, endTime, endOffsets, "latest"));
        text.append(", transactional id prefix ").append(transactionalIdPrefix);
        Map<String, String> masked = new TreeMap<>();
        consumerProperties.forEach(
                (key, value) -> masked.put("consumer." + key, Secrets.mask(key, value)));
        producerProperties.forEach(
                (key, value) -> masked.put("producer." + key, Secrets.mask(key, value)));
        if (!masked.isEmpty()) {
            text.append(", properties ").append(masked);
        }
        return text.toString();
    }

    // ---------------------------------------------------------------- parsing helpers

    private static String describeBound(
            BoundKind kind, long time, Map<Integer, Long> offsets, String defaultText) {
        switch (kind) {
            case TIME:
                return "time " + Instant.ofEpochMilli(time);
            case OFFSETS:
                return "offsets " + offsets;
            default:
                return defaultText;
        }
    }

    private void checkRange() {
        if (startKind == BoundKind.TIME && endKind == BoundKind.TIME && endTime <= startTime) {
            throw new ConfigException(
                    "Invalid value for '--end-time': "
                            + Instant.ofEpochMilli(endTime)
                            + " is not after --start-time "
                            + Instant.ofEpochMilli(startTime)
                            + ". The end is exclusive, so give a later end time.");
        }
        if (startKind == BoundKind.OFFSETS && endKind == BoundKind.OFFSETS) {
            for (Map.Entry<Integer, Long> start : startOffsets.entrySet()) {
                Long end = endOffsets.get(start.getKey());
                if (end != null && end < start.getValue()) {
                    throw new ConfigException(
                            "Invalid value for '--end-offsets': partition "
                                    + start.getKey()
                                    + " ends at "
                                    + end
                                    + ", before its start offset "
                                    + start.getValue()
                                    + ". Give an end offset at or after the start offset.");
                }
            }
        }
    }

    private static String single(Map<String, List<String>> values, String option, String fallback) {
        List<String> list = values.get(option);
        return list == null ? fallback : list.get(0).trim();
    }

    private static String required(Map<String, List<String>> values, String option) {
        String value = single(values, option, "");
        if (value.isEmpty()) {
            throw new ConfigException("Missing required option " + option + ".\n" + USAGE);
        }
        return value;
    }

    private static String topic(Map<String, List<String>> values, String option, String fallback) {
        String value =
                fallback == null ? required(values, option) : single(values, option, fallback);
        if (!TOPIC.matcher(value).matches()) {
            throw ConfigException.invalid(option, value, "a Kafka topic name");
        }
        return value;
    }

    private static Set<String> reasons(String text) {
        Set<String> selected = new LinkedHashSet<>();
        if (text.isEmpty()) {
            return Collections.unmodifiableSet(selected);
        }
        for (String part : text.split(",")) {
            String reason = part.trim();
            if (!REASONS.contains(reason)) {
                throw ConfigException.invalid(
                        "--reason",
                        text,
                        "a comma-separated list of " + String.join(", ", REASONS));
            }
            selected.add(reason);
        }
        return Collections.unmodifiableSet(selected);
    }

    private static BoundKind boundKind(
            Map<String, List<String>> values, String timeOption, String offsetsOption) {
        if (values.containsKey(timeOption)) {
            return BoundKind.TIME;
        }
        if (values.containsKey(offsetsOption)) {
            return BoundKind.OFFSETS;
        }
        return BoundKind.DEFAULT;
    }

    /** Parses an ISO-8601 instant or epoch milliseconds; 0 when the option is absent. */
    private static long time(Map<String, List<String>> values, String option) {
        String text = single(values, option, "");
        if (text.isEmpty()) {
            return 0L;
        }
        long millis;
        if (text.chars().allMatch(Character::isDigit) && text.length() <= 15) {
            millis = Long.parseLong(text);
        } else {
            try {
                millis = Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw ConfigException.invalid(
                        option,
                        text,
                        "an ISO-8601 instant such as 2026-12-04T10:15:00Z, or epoch milliseconds");
            }
        }
        if (millis < 0) {
            throw ConfigException.invalid(option, text, "a time at or after 1970-01-01T00:00:00Z");
        }
        return millis;
    }

    private static Map<Integer, Long> offsets(Map<String, List<String>> values, String option) {
        String text = single(values, option, "");
        Map<Integer, Long> offsets = new TreeMap<>();
        if (text.isEmpty()) {
            return Collections.unmodifiableMap(offsets);
        }
        for (String part : text.split(",")) {
            var matcher = PARTITION_OFFSET.matcher(part.trim());
            if (!matcher.matches()) {
                throw ConfigException.invalid(
                        option,
                        text,
                        "PARTITION:OFFSET pairs separated by commas, e.g. 0:120,1:98");
            }
            int partition = Integer.parseInt(matcher.group(1));
            long offset;
            try {
                offset = Long.parseLong(matcher.group(2));
            } catch (NumberFormatException e) {
                throw ConfigException.invalid(option, text, "offsets that fit in a 64-bit integer");
            }
            if (offsets.put(partition, offset) != null) {
                throw ConfigException.invalid(
                        option, text, "each partition at most once; " + partition + " repeats");
            }
        }
        return Collections.unmodifiableMap(offsets);
    }

    private static Duration positiveDuration(String option, String text) {
        Duration duration = Durations.parse(option, text);
        if (duration.isZero()) {
            throw ConfigException.invalid(option, text, "a duration above zero");
        }
        return duration;
    }

    private static Integer parallelism(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            int value = Integer.parseInt(text);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigException.invalid("--parallelism", text, "a whole number above zero");
    }

    private static TreeMap<String, String> properties(
            Map<String, List<String>> values, String option, Map<String, String> environment) {
        TreeMap<String, String> properties = new TreeMap<>();
        for (String pair : values.getOrDefault(option, List.of())) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw ConfigException.invalid(
                        option,
                        Secrets.mask(option, pair),
                        "KEY=VALUE, e.g. security.protocol=SSL");
            }
            String key = pair.substring(0, equals).trim();
            properties.put(
                    key,
                    Secrets.resolve(option + " " + key, pair.substring(equals + 1), environment));
        }
        return properties;
    }
}
