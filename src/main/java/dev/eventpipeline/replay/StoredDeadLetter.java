package dev.eventpipeline.replay;

/**
 * One record read from the dead-letter topic: the original key and value bytes, where the dead
 * letter itself is stored, and the {@code dlq.*} headers the pipeline wrote.
 *
 * <p>A Flink POJO: public no-argument constructor and public fields.
 */
public class StoredDeadLetter {

    /** Original record key, or {@code null}. */
    public byte[] key;

    /** Original record value, or {@code null} for a tombstone. */
    public byte[] value;

    /** Dead-letter topic. */
    public String topic;

    /** Partition of the dead letter in the dead-letter topic. */
    public int partition;

    /** Offset of the dead letter in the dead-letter topic. */
    public long offset;

    /** {@code dlq.reason} header, or {@code null} when the record has none. */
    public String reason;

    /** {@code dlq.job} header, or {@code null}. */
    public String job;

    /** {@code dlq.topic} header: where the original record was read, or {@code null}. */
    public String originalTopic;

    /** {@code dlq.partition} header, or {@code null}. */
    public String originalPartition;

    /** {@code dlq.offset} header, or {@code null}. */
    public String originalOffset;

    public StoredDeadLetter() {}

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset + " (" + reason + ")";
    }
}
