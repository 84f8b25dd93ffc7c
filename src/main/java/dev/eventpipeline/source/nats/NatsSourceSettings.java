package dev.eventpipeline.source.nats;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.Durations;
import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.config.JobConfig;

import java.io.Serializable;
import java.time.Duration;
import java.util.regex.Pattern;

/** The validated {@code source.*} settings of a NATS JetStream source. */
public final class NatsSourceSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Stream and consumer names: no white space, '.', '*', '>', path separators. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,255}");

    /** A subject: tokens separated by '.', wildcards '*' and a trailing '>' allowed. */
    private static final Pattern SUBJECT =
            Pattern.compile("([^.\\s*>]+|\\*)(\\.([^.\\s*>]+|\\*))*(\\.>)?|>");

    final NatsEndpoint endpoint;
    final String stream;
    final String subject;
    final String durableName;
    final Duration ackWait;
    final int maxAckPending;
    final boolean bounded;
    final FieldNames fields;
    final String jobName;

    private NatsSourceSettings(JobConfig config) {
        this.endpoint = NatsEndpoint.fromConfig(config, "source");
        this.stream = name(config, "source.stream", config.get("source.stream").trim());
        String subjectValue = config.get("source.subject").trim();
        if (!subjectValue.isEmpty() && !SUBJECT.matcher(subjectValue).matches()) {
            throw ConfigException.invalid(
                    "source.subject",
                    subjectValue,
                    "a NATS subject such as events or events.> (empty: every subject of the"
                            + " stream)");
        }
        this.subject = subjectValue;
        String durable = config.get("source.durable-name").trim();
        this.durableName =
                name(
                        config,
                        "source.durable-name",
                        durable.isEmpty() ? config.name().replace('.', '_') : durable);
        this.ackWait = Durations.parse("source.ack-wait", config.get("source.ack-wait"));
        if (ackWait.compareTo(Duration.ofSeconds(1)) < 0) {
            throw ConfigException.invalid(
                    "source.ack-wait", Durations.format(ackWait), "a duration of at least 1s");
        }
        this.maxAckPending = config.prefetch();
        this.bounded = config.bounded();
        this.fields = config.fieldNames();
        this.jobName = config.name();
    }

    /** Reads and checks the {@code source.*} keys of a NATS source. */
    public static NatsSourceSettings fromConfig(JobConfig config) {
        return new NatsSourceSettings(config);
    }

    private static String name(JobConfig config, String key, String value) {
        if (!NAME.matcher(value).matches()) {
            throw ConfigException.invalid(
                    key, value, "1 to 255 letters, digits, '_' or '-' (a JetStream name)");
        }
        return value;
    }

    /** The subject filter, or {@code null} for every subject of the stream. */
    String filterSubject() {
        return subject.isEmpty() ? null : subject;
    }

    /** Messages fetched per pull request; the server never sends more than max ack pending. */
    int fetchBatchSize() {
        return Math.min(maxAckPending, 500);
    }

    @Override
    public String toString() {
        return "stream '"
                + stream
                + "'"
                + (subject.isEmpty() ? "" : " subject '" + subject + "'")
                + " durable consumer '"
                + durableName
                + "' on "
                + endpoint.maskedUri()
                + ", ack wait "
                + Durations.format(ackWait)
                + ", max ack pending "
                + maxAckPending
                + (bounded ? ", bounded" : "");
    }
}
