package dev.eventpipeline.testing;

import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.RawRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Builders of test events and named instants. */
public final class TestEvents {

    /** 2026-12-04T10:00:00Z, a whole hour. */
    public static final long TEN_O_CLOCK = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

    private TestEvents() {}

    /** An event with a value; its raw record holds a matching JSON text. */
    public static Event event(String id, long timestamp, String key, double value) {
        String json =
                "{\"id\":\""
                        + id
                        + "\",\"ts\":"
                        + timestamp
                        + ",\"key\":\""
                        + key
                        + "\",\"value\":"
                        + value
                        + "}";
        return new Event(id, timestamp, key, true, value, raw(json));
    }

    /** An event without a value. */
    public static Event eventWithoutValue(String id, long timestamp, String key) {
        String json = "{\"id\":\"" + id + "\",\"ts\":" + timestamp + ",\"key\":\"" + key + "\"}";
        return new Event(id, timestamp, key, false, 0, raw(json));
    }

    public static RawRecord raw(String value) {
        return new RawRecord(
                "k".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                "events",
                0,
                0);
    }
}
