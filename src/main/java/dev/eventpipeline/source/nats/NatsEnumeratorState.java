package dev.eventpipeline.source.nats;

/**
 * Checkpointed state of the split enumerator: whether the split was created (so a restored job
 * keeps the stop sequence it started with) and the split if it is not assigned to a reader.
 */
public final class NatsEnumeratorState {

    private final boolean splitCreated;
    private final NatsSplit unassigned;

    public NatsEnumeratorState(boolean splitCreated, NatsSplit unassigned) {
        this.splitCreated = splitCreated;
        this.unassigned = unassigned;
    }

    public boolean splitCreated() {
        return splitCreated;
    }

    /** The split waiting for a reader, or {@code null}. */
    public NatsSplit unassigned() {
        return unassigned;
    }
}
