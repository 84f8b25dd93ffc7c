package dev.eventpipeline.source.nats;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serializes {@link NatsSplit} for checkpoints. Version 1: stream, durable name, stop sequence,
 * then the number of pending acknowledgements and each one as sequence and reply subject.
 */
public final class NatsSplitSerializer implements SimpleVersionedSerializer<NatsSplit> {

    static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(NatsSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64 + 96 * split.pendingAcks().size());
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public NatsSplit deserialize(int version, byte[] serialized) throws IOException {
        return read(version, new DataInputDeserializer(serialized));
    }

    static void write(NatsSplit split, DataOutputView out) throws IOException {
        out.writeUTF(split.stream());
        out.writeUTF(split.durableName());
        out.writeLong(split.stopSequence());
        out.writeInt(split.pendingAcks().size());
        for (Map.Entry<Long, String> ack : split.pendingAcks().entrySet()) {
            out.writeLong(ack.getKey());
            out.writeUTF(ack.getValue());
        }
    }

    static NatsSplit read(int version, DataInputView in) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Unknown NATS split version "
                            + version
                            + "; this build reads version "
                            + VERSION
                            + ". Restore with the build that took the checkpoint.");
        }
        String stream = in.readUTF();
        String durableName = in.readUTF();
        long stopSequence = in.readLong();
        int count = in.readInt();
        Map<Long, String> acks = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            acks.put(in.readLong(), in.readUTF());
        }
        return new NatsSplit(stream, durableName, stopSequence, acks);
    }
}
