package dev.eventpipeline.bench.peer;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.ByteBuffer;

/** Running count, sum, min and max of one window, the peer's counterpart of the job's. */
public final class PeerAccumulator {

    public long count;
    public long valueCount;
    public double sum;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;

    /** Adds one event; an event without a value adds to the count only. */
    public PeerAccumulator add(PeerRecord record) {
        count++;
        if (record.hasValue) {
            valueCount++;
            sum += record.value;
            min = Math.min(min, record.value);
            max = Math.max(max, record.value);
        }
        return this;
    }

    /** Returns the serde of the window stores: five fixed-width numbers, 40 bytes. */
    public static Serde<PeerAccumulator> serde() {
        Serializer<PeerAccumulator> serializer =
                (topic, acc) ->
                        acc == null
                                ? null
                                : ByteBuffer.allocate(40)
                                        .putLong(acc.count)
                                        .putLong(acc.valueCount)
                                        .putDouble(acc.sum)
                                        .putDouble(acc.min)
                                        .putDouble(acc.max)
                                        .array();
        Deserializer<PeerAccumulator> deserializer =
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    PeerAccumulator acc = new PeerAccumulator();
                    acc.count = buffer.getLong();
                    acc.valueCount = buffer.getLong();
                    acc.sum = buffer.getDouble();
                    acc.min = buffer.getDouble();
                    acc.max = buffer.getDouble();
                    return acc;
                };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
