package dev.eventpipeline.sink;

import dev.eventpipeline.model.WindowResult;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Writes a window result as the contract's aggregate JSON value. */
public final class AggregateJson {

    private static final JsonFactory JSON = new JsonFactory();

    /** ISO-8601 UTC with milliseconds, e.g. {@code 2026-12-04T10:15:00.000Z}. */
    private static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private AggregateJson() {}

    public static String formatInstant(long epochMillis) {
        return INSTANT.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Serializes {@code result}; {@code sum}, {@code min}, {@code max}, {@code avg} are null
     * without values.
     */
    public static byte[] toJson(WindowResult result) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(192);
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("window", result.window);
            json.writeStringField("key", result.key);
            json.writeStringField("start", formatInstant(result.start));
            json.writeStringField("end", formatInstant(result.end));
            json.writeNumberField("count", result.count);
            if (result.valueCount > 0) {
                json.writeNumberField("sum", result.sum);
                json.writeNumberField("min", result.min);
                json.writeNumberField("max", result.max);
                json.writeNumberField("avg", result.sum / result.valueCount);
            } else {
                json.writeNullField("sum");
                json.writeNullField("min");
                json.writeNullField("max");
                json.writeNullField("avg");
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write aggregate JSON for " + result, e);
        }
        return bytes.toByteArray();
    }
}
