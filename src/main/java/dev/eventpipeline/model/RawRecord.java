package dev.eventpipeline.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input record as the broker delivered it: key and value bytes untouched, plus where it came
 * from. Dead letters are written from this, so the original bytes survive every stage.
 *
 * <p>A Flink POJO: public no-argument constructor and public fields, so no Kryo is involved.
 */
public class RawRecord {

    /** Record key bytes, or {@code null} when the record had no key. */
    public byte[] key;

    /** Record value bytes, or {@code null} for a tombstone. */
    public byte[] value;

    /** Source topic, queue or stream name. */
    public String topic;

    /** Source partition, or {@code -1} where the source has none. */
    public int partition;

    /** Source offset or sequence number, or {@code -1} where the source has none. */
    public long offset;

    public RawRecord() {}

    public RawRecord(byte[] key, byte[] value, String topic, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RawRecord)) {
            return false;
        }
        RawRecord that = (RawRecord) o;
        return partition == that.partition
                && offset == that.offset
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && Objects.equals(topic, that.topic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
