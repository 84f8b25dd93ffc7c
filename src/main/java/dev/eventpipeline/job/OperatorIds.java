package dev.eventpipeline.job;

import dev.eventpipeline.config.WindowSpec;

/**
 * Stable operator uids and display names. A uid maps an operator to its state in a savepoint, so
 * none of these may change once a job has run; a new window spec gets a new uid of its own.
 */
public final class OperatorIds {

    public static final String SOURCE_UID = "event-source";
    public static final String SOURCE_NAME = "Event source";

    // Each source type has its own uid, so a savepoint taken with another source type is not
    // restored into this source's state (Flink then requires --allowNonRestoredState).
    public static final String RABBITMQ_SOURCE_UID = "event-source-rabbitmq";
    public static final String NATS_SOURCE_UID = "event-source-nats";

    /** Watermark assigner behind a source that is not a FLIP-27 source (RabbitMQ). */
    public static final String SOURCE_WATERMARKS_UID = "event-source-watermarks";

    public static final String SOURCE_WATERMARKS_NAME = "Event-time watermarks";

    public static final String VALIDATE_UID = "validate-events";
    public static final String VALIDATE_NAME = "Validate events";

    public static final String DEDUP_UID = "dedup-by-id";
    public static final String DEDUP_NAME = "Deduplicate by id";

    public static final String LATE_ROUTER_UID = "route-late-events";
    public static final String LATE_ROUTER_NAME = "Route late events";

    public static final String EVENT_TIME_LAG_UID = "event-time-lag";
    public static final String EVENT_TIME_LAG_NAME = "Event-time lag";

    public static final String RESULTS_SINK_UID = "aggregates-sink";
    public static final String RESULTS_SINK_NAME = "Aggregates sink";

    public static final String DEAD_LETTER_SINK_UID = "dead-letter-sink";
    public static final String DEAD_LETTER_SINK_NAME = "Dead-letter sink";

    public static final String RABBITMQ_DEAD_LETTER_SINK_UID = "dead-letter-sink-rabbitmq";
    public static final String NATS_DEAD_LETTER_SINK_UID = "dead-letter-sink-nats";

    public static final String REPLAY_SOURCE_UID = "replay-dead-letter-source";
    public static final String REPLAY_SOURCE_NAME = "Dead-letter source";

    public static final String REPLAY_SELECT_UID = "replay-select-dead-letters";
    public static final String REPLAY_SELECT_NAME = "Select dead letters";

    public static final String REPLAY_SINK_UID = "replay-sink";
    public static final String REPLAY_SINK_NAME = "Replay sink";

    private OperatorIds() {}

    /**
     * Returns the uid of one window spec's operator, e.g. {@code window-sliding-300s-60s}. Each
     * spec has its own operator, so adding or removing a spec leaves the other specs' open windows
     * in a savepoint usable.
     */
    public static String windowUid(WindowSpec spec) {
        return "window-" + spec.label().replace(':', '-').replace('/', '-');
    }

    /** Returns the display name of one window spec's operator, e.g. {@code Window tumbling:60s}. */
    public static String windowName(WindowSpec spec) {
        return "Window " + spec.label();
    }
}
