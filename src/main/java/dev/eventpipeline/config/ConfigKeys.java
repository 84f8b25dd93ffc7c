package dev.eventpipeline.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every job-file key with its default and its meaning. A key outside this table (and outside the
 * pass-through prefixes) is a configuration error.
 */
public final class ConfigKeys {

    /** Prefixes whose keys are passed to the Kafka clients unchanged. */
    public static final List<String> PASS_THROUGH_PREFIXES =
            List.of("source.properties.", "sink.properties.", "dlq.properties.");

    /** One documented key. An empty default means "unset", resolved as the description explains. */
    public static final class Key {
        public final String name;
        public final String defaultValue;
        public final String description;

        Key(String name, String defaultValue, String description) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.description = description;
        }
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        add("name", "event-pipeline", "job name; also the dlq.job header and the id prefixes");
        add("parallelism", "", "operator parallelism; empty: the cluster's default");
        add("bounded", "false", "true: stop at the offsets that were the latest at start");
        add("windows", "tumbling:60s,sliding:300s/60s", "comma-separated window specs");
        add("allowed-lateness", "0ms", "how long a fired window still takes late events");
        add("watermark.max-out-of-orderness", "5s", "bound of the watermark behind max ts");
        add(
                "watermark.idle-timeout",
                "30s",
                "a partition without records for this long stops holding the watermark back;"
                        + " 0ms turns idleness detection off");
        add("dedup.ttl", "1h", "how long an id is remembered (processing time)");
        add(
                "dedup.filter-memory",
                "32mb",
                "heap per dedup subtask for a filter of the stored ids, which skips the state read"
                        + " for a new id; 0 turns it off");
        add("fields.id", "id", "name of the id field in the input JSON");
        add("fields.ts", "ts", "name of the event-time field in the input JSON");
        add("fields.key", "key", "name of the grouping-key field in the input JSON");
        add("fields.value", "value", "name of the numeric value field in the input JSON");
        add(
                "checkpoint.interval",
                "10s",
                "checkpoint interval, used when the cluster configuration sets none");
        add("source.type", "kafka", "kafka, rabbitmq or nats");
        add("source.bootstrap-servers", "localhost:9092", "Kafka bootstrap servers of the input");
        add("source.topic", "events", "input topic");
        add("source.group-id", "", "consumer group id; empty: the job name");
        add(
                "source.starting-offsets",
                "committed-or-earliest",
                "committed-or-earliest, earliest or latest");
        add(
                "source.partition-discovery-interval",
                "1min",
                "how often new partitions are looked for; 0ms turns discovery off");
        add("source.uri", "", "RabbitMQ or NATS server URI");
        add("source.queue", "", "RabbitMQ queue to read");
        add(
                "source.queue-declaration",
                "classic",
                "RabbitMQ: classic or quorum (declare a durable queue of that type if missing),"
                        + " or passive (the queue must exist)");
        add("source.stream", "", "NATS JetStream stream to read");
        add("source.subject", "", "NATS subject filter; empty: every subject of the stream");
        add(
                "source.correlation-ids",
                "false",
                "RabbitMQ: drop redeliveries by correlation id (exactly-once, parallelism 1)");
        add(
                "source.prefetch",
                "10000",
                "unacknowledged messages one consumer may hold (RabbitMQ prefetch count, NATS"
                        + " max ack pending); acknowledged at checkpoints, so it caps the messages"
                        + " per checkpoint interval");
        add(
                "source.ack-wait",
                "30s",
                "NATS: how long the server waits for an acknowledgement before it redelivers");
        add(
                "source.durable-name",
                "",
                "NATS durable consumer name; empty: the job name with '.' replaced by '_'");
        add("source.username-env", "", "environment variable holding the source user name");
        add("source.password-env", "", "environment variable holding the source password");
        add("sink.topic", "aggregates", "output topic of window results");
        add(
                "sink.bootstrap-servers",
                "",
                "Kafka bootstrap servers of the output; empty: source.bootstrap-servers");
        add(
                "sink.delivery-guarantee",
                "exactly-once",
                "exactly-once, at-least-once or none, for results and dead letters");
        add(
                "sink.transactional-id-prefix",
                "",
                "transactional id prefix of the results sink; empty: NAME-aggregates");
        add(
                "sink.transaction-timeout",
                "10min",
                "Kafka producer transaction timeout; above the checkpoint interval, at most the"
                        + " broker's transaction.max.timeout.ms");
        add("dlq.type", "kafka", "kafka, rabbitmq or nats");
        add("dlq.topic", "dead-letters", "dead-letter topic");
        add(
                "dlq.bootstrap-servers",
                "",
                "Kafka bootstrap servers of the dead letters; empty: sink.bootstrap-servers");
        add(
                "dlq.transactional-id-prefix",
                "",
                "transactional id prefix of the dead-letter sink; empty: NAME-dead-letters");
        add("dlq.uri", "", "RabbitMQ or NATS server URI for dead letters");
        add("dlq.queue", "", "RabbitMQ queue for dead letters (the routing key with dlq.exchange)");
        add(
                "dlq.queue-declaration",
                "classic",
                "RabbitMQ without dlq.exchange: classic, quorum or passive, as for the source");
        add("dlq.exchange", "", "RabbitMQ exchange for dead letters; empty: the default exchange");
        add("dlq.subject", "", "NATS subject for dead letters");
        add("dlq.username-env", "", "environment variable holding the dead-letter user name");
        add("dlq.password-env", "", "environment variable holding the dead-letter password");
    }

    private ConfigKeys() {}

    private static void add(String name, String defaultValue, String description) {
        KEYS.put(name, new Key(name, defaultValue, description));
    }

    /** Returns all keys in documentation order. */
    public static Map<String, Key> all() {
        return Collections.unmodifiableMap(KEYS);
    }

    /** Returns whether {@code name} is a documented key or falls under a pass-through prefix. */
    public static boolean isKnown(String name) {
        if (KEYS.containsKey(name)) {
            return true;
        }
        for (String prefix : PASS_THROUGH_PREFIXES) {
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                return true;
            }
        }
        return false;
    }
}
