package dev.eventpipeline.model;

import org.apache.flink.api.common.typeinfo.TypeInfo;

import java.util.Objects;

/**
 * A valid input event: the four contract fields plus the raw record it was parsed from, which a
 * later stage needs when it sends the event to the dead letters (late or failed).
 *
 * <p>Flink serializes it with {@link EventSerializer}, not as a POJO, because reflective field
 * access was a visible part of the job's CPU profile.
 */
@TypeInfo(EventTypeInfo.Factory.class)
public class Event {

    /** Deduplication key. */
    public String id;

    /** Event time in epoch milliseconds. */
    public long timestamp;

    /** Grouping key, as text (an integer key is already in canonical decimal form). */
    public String key;

    /** Whether the event carries a numeric {@code value}. */
    public boolean hasValue;

    /** The numeric value; meaningful only when {@link #hasValue} is set. */
    public double value;

    /** The record this event was parsed from. */
    public RawRecord raw;

    public Event() {}

    public Event(
            String id, long timestamp, String key, boolean hasValue, double value, RawRecord raw) {
        this.id = id;
        this.timestamp = timestamp;
        this.key = key;
        this.hasValue = hasValue;
        this.value = value;
        this.raw = raw;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Event)) {
            return false;
        }
        Event that = (Event) o;
        return timestamp == that.timestamp
                && hasValue == that.hasValue
                && Double.compare(value, that.value) == 0
                && Objects.equals(id, that.id)
                && Objects.equals(key, that.key)
                && Objects.equals(raw, that.raw);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, timestamp, key);
    }

    @Override
    public String toString() {
        return "Event{id="
                + id
                + ", ts="
                + timestamp
                + ", key="
                + key
                + (hasValue ? ", value=" + value : "")
                + ", from="
                + raw
                + '}';
    }
}
