package dev.eventpipeline.job;

import dev.eventpipeline.config.WindowSpec;

import java.util.List;

/**
 * Stable operator uids and display names. A uid maps an operator to its state in a savepoint, so
 * none of these may change once a job has run; other window specs get another window uid.
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
     * The uid of the window operator of a list of specs, e.g. {@code
     * windows-tumbling-60s-sliding-300s-60s}. Its pane state depends on the specs, so other specs
     * get another uid, and a savepoint taken with other specs restores without window state.
     */
    public static String windowsUid(List<WindowSpec> specs) {
        StringBuilder uid = new StringBuilder("windows");
        for (WindowSpec spec : specs) {
            uid.append('-').append(spec.label().replace(':', '-').replace('/', '-'));
        }
        return uid.toString();
    }

    /** The display name of the window operator, e.g. {@code Windows tumbling:60s, sliding:...}. */
    public static String windowsName(List<WindowSpec> specs) {
        StringBuilder name = new StringBuilder("Windows ");
        for (int i = 0; i < specs.size(); i++) {
            name.append(i == 0 ? "" : ", ").append(specs.get(i).label());
        }
        return name.toString();
    }
}
