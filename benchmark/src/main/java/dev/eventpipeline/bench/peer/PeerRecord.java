package dev.eventpipeline.bench.peer;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A record that flows between the peer's processors and through its repartition topics: a parsed
 * event with its original record, an invalid record, or an end-of-input marker. Written with a
 * hand-made binary serde, the counterpart of the job's POJO serializers.
 */
public final class PeerRecord {

    /** Kind of a peer record. */
    public enum Kind {
        /** A valid event. */
        EVENT,
        /** An input record that breaks the data contract. */
        INVALID,
        /** A valid event whose earliest-ending window had closed. */
        LATE,
        /** No more input will come from {@link #sourcePartition} through {@link #via}. */
        END,
        /** All input has arrived: advances stream time so every window closes. */
        FLUSH
    }

    public Kind kind;
    public String id;
    public String key;
    public long timestamp;
    public boolean hasValue;
    public double value;
    public String error;
    public byte[] rawKey;
    public byte[] rawValue;
    public String topic;
    public int partition;
    public long offset;
    public int sourcePartition;
    public int via;

    /** Returns the serde of the repartition topics. */
    public static Serde<PeerRecord> serde() {
        return Serdes.serdeFrom(new RecordSerializer(), new RecordDeserializer());
    }

    private static final class RecordSerializer implements Serializer<PeerRecord> {
        @Override
        public byte[] serialize(String topic, PeerRecord record) {
            if (record == null) {
                return null;
            }
            byte[] id = utf8(record.id);
            byte[] key = utf8(record.key);
            byte[] error = utf8(record.error);
            byte[] topicName = utf8(record.topic);
            int size =
                    1
                            + 8
                            + 1
                            + 8
                            + 4
                            + 8
                            + 4
                            + 4
                            + length(id)
                            + length(key)
                            + length(error)
                            + length(topicName)
                            + length(record.rawKey)
                            + length(record.rawValue);
            ByteBuffer buffer = ByteBuffer.allocate(size);
            buffer.put((byte) record.kind.ordinal());
            buffer.putLong(record.timestamp);
            buffer.put((byte) (record.hasValue ? 1 : 0));
            buffer.putDouble(record.value);
            buffer.putInt(record.partition);
            buffer.putLong(record.offset);
            buffer.putInt(record.sourcePartition);
            buffer.putInt(record.via);
            put(buffer, id);
            put(buffer, key);
            put(buffer, error);
            put(buffer, topicName);
            put(buffer, record.rawKey);
            put(buffer, record.rawValue);
            return buffer.array();
        }
    }

    private static final class RecordDeserializer implements Deserializer<PeerRecord> {
        private static final Kind[] KINDS = Kind.values();

        @Override
        public PeerRecord deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(data);
            PeerRecord record = new PeerRecord();
            record.kind = KINDS[buffer.get()];
            record.timestamp = buffer.getLong();
            record.hasValue = buffer.get() == 1;
            record.value = buffer.getDouble();
            record.partition = buffer.getInt();
            record.offset = buffer.getLong();
            record.sourcePartition = buffer.getInt();
            record.via = buffer.getInt();
            record.id = text(get(buffer));
            record.key = text(get(buffer));
            record.error = text(get(buffer));
            record.topic = text(get(buffer));
            record.rawKey = get(buffer);
            record.rawValue = get(buffer);
            return record;
        }
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static int length(byte[] bytes) {
        return 4 + (bytes == null ? 0 : bytes.length);
    }

    private static void put(ByteBuffer buffer, byte[] bytes) {
        if (bytes == null) {
            buffer.putInt(-1);
        } else {
            buffer.putInt(bytes.length);
            buffer.put(bytes);
        }
    }

    private static byte[] get(ByteBuffer buffer) {
        int length = buffer.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }
}
