package dev.eventpipeline.config;

import dev.eventpipeline.dedup.SeenIdFilter;

import org.apache.flink.configuration.MemorySize;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The validated, immutable settings of one job. Every value is checked when the object is built, so
 * a bad job file fails at start-up with a message naming the key, the value and the fix.
 */
public final class JobConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    /** Type of the input source and of the dead-letter sink. */
    public enum Endpoint {
        KAFKA,
        RABBITMQ,
        NATS
    }

    /** Delivery guarantee of the Kafka sinks. */
    public enum Delivery {
        EXACTLY_ONCE,
        AT_LEAST_ONCE,
        NONE
    }

    /**
     * Starting position of a Kafka source without state; only the first one reads committed
     * offsets.
     */
    public enum StartingOffsets {
        COMMITTED_OR_EARLIEST,
        EARLIEST,
        LATEST
    }

    private final TreeMap<String, String> values;

    private final String name;
    private final Integer parallelism;
    private final boolean bounded;
    private final List<WindowSpec> windows;
    private final Duration allowedLateness;
    private final Duration maxOutOfOrderness;
    private final Duration idleTimeout;
    private final Duration dedupTtl;
    private final long dedupFilterBytes;
    private final Duration checkpointInterval;
    private final Endpoint sourceType;
    private final Endpoint deadLetterType;
    private final StartingOffsets startingOffsets;
    private final Duration partitionDiscoveryInterval;
    private final Delivery delivery;
    private final Duration transactionTimeout;
    private final boolean correlationIds;
    private final int prefetch;

    JobConfig(Map<String, String> effective) {
        this.values = new TreeMap<>(effective);
        this.name = requireMatch("name", NAME, "letters, digits, '.', '_' or '-', at most 200");
        this.parallelism = optionalPositiveInt("parallelism");
        this.bounded = bool("bounded");
        this.windows = parseWindows();
        this.allowedLateness = duration("allowed-lateness");
        this.maxOutOfOrderness = duration("watermark.max-out-of-orderness");
        this.idleTimeout = duration("watermark.idle-timeout");
        this.dedupTtl = positiveDuration("dedup.ttl");
        this.dedupFilterBytes = dedupFilterBytes("dedup.filter-memory");
        this.checkpointInterval = positiveDuration("checkpoint.interval");
        this.sourceType = endpoint("source.type");
        this.deadLetterType = endpoint("dlq.type");
        this.startingOffsets = enumValue("source.starting-offsets", StartingOffsets.class);
        this.partitionDiscoveryInterval = duration("source.partition-discovery-interval");
        this.delivery = enumValue("sink.delivery-guarantee", Delivery.class);
        this.transactionTimeout = positiveDuration("sink.transaction-timeout");
        this.correlationIds = bool("source.correlation-ids");
        this.prefetch = positiveInt("source.prefetch");
        for (String field : List.of("fields.id", "fields.ts", "fields.key", "fields.value")) {
            if (get(field).isEmpty()) {
                throw ConfigException.invalid(field, "", "a non-empty JSON field name");
            }
        }
        validateEndpoints();
    }

    private void validateEndpoints() {
        if (sourceType == Endpoint.KAFKA) {
            requireNonEmpty("source.bootstrap-servers", "host:port[,host:port...]");
            requireMatch("source.topic", TOPIC, "a Kafka topic name");
        } else if (sourceType == Endpoint.RABBITMQ) {
            requireNonEmpty("source.uri", "amqp://user:password@host:port/vhost");
            requireNonEmpty("source.queue", "the name of the queue to read");
        } else {
            requireNonEmpty("source.uri", "nats://host:port");
            requireNonEmpty("source.stream", "the JetStream stream to read");
        }
        requireMatch("sink.topic", TOPIC, "a Kafka topic name");
        if (deadLetterType == Endpoint.KAFKA) {
            requireMatch("dlq.topic", TOPIC, "a Kafka topic name");
        } else if (deadLetterType == Endpoint.RABBITMQ) {
            requireNonEmpty("dlq.uri", "amqp://user:password@host:port/vhost");
            if (get("dlq.queue").isEmpty() && get("dlq.exchange").isEmpty()) {
                throw ConfigException.invalid(
                        "dlq.queue",
                        "",
                        "a queue name (or set dlq.exchange) for dlq.type rabbitmq");
            }
        } else {
            requireNonEmpty("dlq.uri", "nats://host:port");
            requireNonEmpty("dlq.subject", "the subject dead letters are published to");
        }
        if (sinkBootstrapServers().isEmpty()) {
            throw ConfigException.invalid(
                    "sink.bootstrap-servers",
                    "",
                    "host:port[,host:port...]; it must be set when the source is not Kafka");
        }
        if (delivery == Delivery.EXACTLY_ONCE
                && transactionTimeout.compareTo(checkpointInterval) <= 0) {
            throw ConfigException.invalid(
                    "sink.transaction-timeout",
                    Durations.format(transactionTimeout),
                    "a duration above checkpoint.interval ("
                            + Durations.format(checkpointInterval)
                            + ") plus the restart time, so transactions outlive a checkpoint");
        }
    }

    // ---------------------------------------------------------------- accessors

    public String name() {
        return name;
    }

    /** Operator parallelism, or {@code null} for the cluster's default. */
    public Integer parallelism() {
        return parallelism;
    }

    public boolean bounded() {
        return bounded;
    }

    public List<WindowSpec> windows() {
        return windows;
    }

    public Duration allowedLateness() {
        return allowedLateness;
    }

    public Duration maxOutOfOrderness() {
        return maxOutOfOrderness;
    }

    /** Idle timeout; zero means idleness detection is off. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration dedupTtl() {
        return dedupTtl;
    }

    /** Heap bytes of the dedup stage's id filter per subtask; zero means no filter. */
    public long dedupFilterBytes() {
        return dedupFilterBytes;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public FieldNames fieldNames() {
        return new FieldNames(
                get("fields.id"), get("fields.ts"), get("fields.key"), get("fields.value"));
    }

    public Endpoint sourceType() {
        return sourceType;
    }

    public Endpoint deadLetterType() {
        return deadLetterType;
    }

    public String sourceBootstrapServers() {
        return get("source.bootstrap-servers");
    }

    public String sourceTopic() {
        return get("source.topic");
    }

    public String groupId() {
        String groupId = get("source.group-id");
        return groupId.isEmpty() ? name : groupId;
    }

    public StartingOffsets startingOffsets() {
        return startingOffsets;
    }

    /** Partition discovery interval; zero means discovery is off. */
    public Duration partitionDiscoveryInterval() {
        return partitionDiscoveryInterval;
    }

    public String sinkTopic() {
        return get("sink.topic");
    }

    public String sinkBootstrapServers() {
        String servers = get("sink.bootstrap-servers");
        return servers.isEmpty() && sourceType == Endpoint.KAFKA
                ? sourceBootstrapServers()
                : servers;
    }

    public String deadLetterTopic() {
        return get("dlq.topic");
    }

    public String deadLetterBootstrapServers() {
        String servers = get("dlq.bootstrap-servers");
        return servers.isEmpty() ? sinkBootstrapServers() : servers;
    }

    public Delivery delivery() {
        return delivery;
    }

    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    public String sinkTransactionalIdPrefix() {
        String prefix = get("sink.transactional-id-prefix");
        return prefix.isEmpty() ? name + "-aggregates" : prefix;
    }

    public String deadLetterTransactionalIdPrefix() {
        String prefix = get("dlq.transactional-id-prefix");
        return prefix.isEmpty() ? name + "-dead-letters" : prefix;
    }

    public boolean correlationIds() {
        return correlationIds;
    }

    public int prefetch() {
        return prefetch;
    }

    /** Returns the raw effective value of a documented key ("" when unset). */
    public String get(String key) {
        if (!ConfigKeys.all().containsKey(key)) {
            throw new IllegalArgumentException("not a documented key: " + key);
        }
        return values.getOrDefault(key, "");
    }

    /** Kafka client properties given under {@code prefix} (e.g. {@code source.properties.}). */
    public Properties clientProperties(String prefix) {
        Properties properties = new Properties();
        values.forEach(
                (key, value) -> {
                    if (key.startsWith(prefix)) {
                        properties.setProperty(key.substring(prefix.length()), value);
                    }
                });
        return properties;
    }

    /** Returns every effective key and value, with secrets masked, for the start-up log. */
    public Map<String, String> describe() {
        TreeMap<String, String> masked = new TreeMap<>();
        values.forEach((key, value) -> masked.put(key, Secrets.mask(key, value)));
        return Collections.unmodifiableMap(masked);
    }

    @Override
    public String toString() {
        return "JobConfig" + describe();
    }

    // ---------------------------------------------------------------- parsing helpers

    private List<WindowSpec> parseWindows() {
        String text = get("windows");
        List<WindowSpec> specs = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            WindowSpec spec = WindowSpec.parse("windows", part.trim());
            if (specs.contains(spec)) {
                throw ConfigException.invalid(
                        "windows", text, "distinct window specs; " + spec + " appears twice");
            }
            specs.add(spec);
        }
        if (specs.isEmpty()) {
            throw ConfigException.invalid(
                    "windows", text, "at least one spec: " + WindowSpec.SYNTAX);
        }
        return Collections.unmodifiableList(specs);
    }

    private String requireNonEmpty(String key, String allowed) {
        String value = get(key);
        if (value.isBlank()) {
            throw ConfigException.invalid(key, value, allowed);
        }
        return value;
    }

    private String requireMatch(String key, Pattern pattern, String allowed) {
        String value = get(key);
        if (!pattern.matcher(value).matches()) {
            throw ConfigException.invalid(key, value, allowed);
        }
        return value;
    }

    private boolean bool(String key) {
        String value = get(key);
        if (value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw ConfigException.invalid(key, value, "true or false");
    }

    private Duration duration(String key) {
        return Durations.parse(key, get(key));
    }

    private Duration positiveDuration(String key) {
        Duration duration = duration(key);
        if (duration.isZero()) {
            throw ConfigException.invalid(key, get(key), "a duration above zero");
        }
        return duration;
    }

    private long dedupFilterBytes(String key) {
        String value = get(key);
        String allowed =
                "0 (no filter) or a memory size from "
                        + SeenIdFilter.MIN_BYTES
                        + " bytes to "
                        + SeenIdFilter.MAX_BYTES / (1L << 30)
                        + "gb, such as 32mb";
        long bytes;
        try {
            bytes = MemorySize.parse(value).getBytes();
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(key, value, allowed);
        }
        if (bytes != 0 && (bytes < SeenIdFilter.MIN_BYTES || bytes > SeenIdFilter.MAX_BYTES)) {
            throw ConfigException.invalid(key, value, allowed);
        }
        return bytes;
    }

    private int positiveInt(String key) {
        String value = get(key);
        try {
            int parsed = Integer.parseInt(value);
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw ConfigException.invalid(key, value, "a whole number above zero");
    }

    private Integer optionalPositiveInt(String key) {
        return get(key).isEmpty() ? null : positiveInt(key);
    }

    private Endpoint endpoint(String key) {
        return enumValue(key, Endpoint.class);
    }

    private <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String value = get(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(value)) {
                return constant;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            allowed.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw ConfigException.invalid(key, value, "one of " + String.join(", ", allowed));
    }
}
