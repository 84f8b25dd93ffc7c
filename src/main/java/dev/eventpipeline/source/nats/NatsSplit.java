package dev.eventpipeline.source.nats;

import org.apache.flink.api.connector.source.SourceSplit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The one split of a NATS source: a durable pull consumer on a stream. Its checkpointed state is
 * the list of messages that were emitted before the checkpoint but not yet acknowledged, by stream
 * sequence with the reply subject that acknowledges them. A reader restored from a checkpoint
 * acknowledges those at once, because the checkpoint it was restored from covers them.
 */
public final class NatsSplit implements SourceSplit {

    /** Stop sequence of an unbounded split. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private final String stream;
    private final String durableName;
    private final long stopSequence;
    private final Map<Long, String> pendingAcks;

    public NatsSplit(
            String stream, String durableName, long stopSequence, Map<Long, String> pendingAcks) {
        this.stream = Objects.requireNonNull(stream);
        this.durableName = Objects.requireNonNull(durableName);
        this.stopSequence = stopSequence;
        this.pendingAcks = Collections.unmodifiableMap(new LinkedHashMap<>(pendingAcks));
    }

    @Override
    public String splitId() {
        return stream + "/" + durableName;
    }

    public String stream() {
        return stream;
    }

    public String durableName() {
        return durableName;
    }

    /** Last stream sequence a bounded run reads, or {@link #UNBOUNDED}. */
    public long stopSequence() {
        return stopSequence;
    }

    /** Emitted but unacknowledged messages: stream sequence to acknowledgement reply subject. */
    public Map<Long, String> pendingAcks() {
        return pendingAcks;
    }

    /** A copy of this split with other pending acknowledgements. */
    public NatsSplit withPendingAcks(Map<Long, String> acks) {
        return new NatsSplit(stream, durableName, stopSequence, acks);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NatsSplit)) {
            return false;
        }
        NatsSplit that = (NatsSplit) o;
        return stopSequence == that.stopSequence
                && stream.equals(that.stream)
                && durableName.equals(that.durableName)
                && pendingAcks.equals(that.pendingAcks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(stream, durableName, stopSequence);
    }

    @Override
    public String toString() {
        return "NatsSplit{"
                + splitId()
                + (stopSequence == UNBOUNDED ? "" : ", stop at " + stopSequence)
                + ", "
                + pendingAcks.size()
                + " pending acks}";
    }
}
