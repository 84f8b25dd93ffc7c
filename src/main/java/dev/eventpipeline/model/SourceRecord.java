package dev.eventpipeline.model;

/**
 * What a source emits for each input record: the parsed event, or the reason the record is invalid.
 * Parsing happens inside the source so that watermarks are generated per partition from the event
 * time of valid records.
 *
 * <p>A Flink POJO: public no-argument constructor and public fields.
 */
public class SourceRecord {

    /** The record as it arrived. */
    public RawRecord raw;

    /** The parsed event, or {@code null} when the record is invalid. */
    public Event event;

    /** Why the record is invalid, or {@code null} when it is valid. */
    public String error;

    /**
     * Whether parsing threw unexpectedly (reason {@code failed}) rather than rejecting the input.
     */
    public boolean failed;

    public SourceRecord() {}

    public static SourceRecord valid(Event event) {
        SourceRecord record = new SourceRecord();
        record.raw = event.raw;
        record.event = event;
        return record;
    }

    public static SourceRecord invalid(RawRecord raw, String error) {
        SourceRecord record = new SourceRecord();
        record.raw = raw;
        record.error = error;
        return record;
    }

    public static SourceRecord failed(RawRecord raw, String error) {
        SourceRecord record = invalid(raw, error);
        record.failed = true;
        return record;
    }

    public boolean isValid() {
        return event != null;
    }
}
