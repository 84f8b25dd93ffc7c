package dev.eventpipeline.source.nats;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;

/**
 * Serializes {@link NatsEnumeratorState}. Version 1: the created flag, a presence flag, and the
 * unassigned split in {@link NatsSplitSerializer} version 1 form.
 */
public final class NatsEnumeratorStateSerializer
        implements SimpleVersionedSerializer<NatsEnumeratorState> {

    static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(NatsEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        out.writeBoolean(state.splitCreated());
        out.writeBoolean(state.unassigned() != null);
        if (state.unassigned() != null) {
            NatsSplitSerializer.write(state.unassigned(), out);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public NatsEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Unknown NATS enumerator state version "
                            + version
                            + "; this build reads version "
                            + VERSION
                            + ". Restore with the build that took the checkpoint.");
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        boolean created = in.readBoolean();
        NatsSplit split =
                in.readBoolean() ? NatsSplitSerializer.read(NatsSplitSerializer.VERSION, in) : null;
        return new NatsEnumeratorState(created, split);
    }
}
