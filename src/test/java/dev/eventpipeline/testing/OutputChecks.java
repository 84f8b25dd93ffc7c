package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks job output against expected records without the job's own code: aggregate values are
 * compared field by field (numbers to a relative 1e-9), dead letters byte for byte.
 */
public final class OutputChecks {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private OutputChecks() {}

    /** Expected figures of one window and key. */
    public static final class Figures {
        public long count;
        public long valueCount;
        public double sum;
        public double min = Double.POSITIVE_INFINITY;
        public double max = Double.NEGATIVE_INFINITY;

        void add(Double value) {
            count++;
            if (value != null) {
                valueCount++;
                sum += value;
                min = Math.min(min, value);
                max = Math.max(max, value);
            }
        }
    }

    /** Identity of an aggregate: window spec, key and window start. */
    public static String aggregateId(String window, String key, String start) {
        return window + " | " + key + " | " + start;
    }

    /** Parses expected aggregate records into figures by aggregate identity. */
    public static Map<String, Figures> figuresOf(List<ContractCase.OutputRecord> records) {
        Map<String, Figures> figures = new TreeMap<>();
        for (ContractCase.OutputRecord record : records) {
            JsonNode value = parse(record.value);
            Figures f = new Figures();
            f.count = value.get("count").asLong();
            if (!value.get("sum").isNull()) {
                f.sum = value.get("sum").asDouble();
                f.min = value.get("min").asDouble();
                f.max = value.get("max").asDouble();
                f.valueCount = Math.round(f.sum / value.get("avg").asDouble());
                if (f.sum == 0) {
                    f.valueCount = -1; // unknown from sum and avg; not compared
                }
            }
            figures.put(
                    aggregateId(
                            value.get("window").asText(),
                            value.get("key").asText(),
                            value.get("start").asText()),
                    f);
        }
        return figures;
    }

    /**
     * Adds one event to every window of every spec that contains {@code timestamp}, creating the
     * aggregate when it is missing. Specs use the contract's labels.
     */
    public static void addEvent(
            Map<String, Figures> figures,
            List<String> specs,
            String key,
            long timestamp,
            Double value) {
        for (String spec : specs) {
            long[] sizeAndSlide = sizeAndSlide(spec);
            long size = sizeAndSlide[0];
            long slide = sizeAndSlide[1];
            long lastStart = Math.floorDiv(timestamp, slide) * slide;
            for (long start = lastStart; start > timestamp - size; start -= slide) {
                Figures f =
                        figures.computeIfAbsent(
                                aggregateId(spec, key, INSTANT.format(Instant.ofEpochMilli(start))),
                                id -> new Figures());
                if (f.valueCount < 0) {
                    f.valueCount = 0;
                }
                f.add(value);
            }
        }
    }

    /** Size and slide in milliseconds of a spec label such as {@code sliding:300s/60s}. */
    public static long[] sizeAndSlide(String spec) {
        String[] parts = spec.substring(spec.indexOf(':') + 1).split("/");
        long size = millis(parts[0]);
        return new long[] {size, parts.length > 1 ? millis(parts[1]) : size};
    }

    private static long millis(String text) {
        return text.endsWith("ms")
                ? Long.parseLong(text.substring(0, text.length() - 2))
                : Long.parseLong(text.substring(0, text.length() - 1)) * 1000;
    }

    /** Asserts that the aggregates read from Kafka are exactly the expected ones, each once. */
    public static void assertAggregates(
            List<ConsumerRecord<byte[], byte[]>> actual, Map<String, Figures> expected) {
        Map<String, JsonNode> byId = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : actual) {
            JsonNode value = parse(record.value());
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(value.get("key").asText()).as("record key matches value key").isEqualTo(key);
            String id = aggregateId(value.get("window").asText(), key, value.get("start").asText());
            if (byId.put(id, value) != null) {
                fail("aggregate written twice: " + id);
            }
        }
        List<String> normalized = new ArrayList<>();
        expected.forEach((id, f) -> normalized.add(id.replace(".000Z", "Z")));
        List<String> actualIds = new ArrayList<>();
        byId.keySet().forEach(id -> actualIds.add(id.replace(".000Z", "Z")));
        assertThat(actualIds)
                .as("aggregate identities")
                .containsExactlyInAnyOrderElementsOf(normalized);
        Map<String, Figures> expectedNormalized = new TreeMap<>();
        expected.forEach((id, f) -> expectedNormalized.put(id.replace(".000Z", "Z"), f));
        for (Map.Entry<String, JsonNode> entry : byId.entrySet()) {
            String id = entry.getKey().replace(".000Z", "Z");
            JsonNode value = entry.getValue();
            Figures f = expectedNormalized.get(id);
            assertThat(value.get("count").asLong()).as(id + " count").isEqualTo(f.count);
            if (f.valueCount == 0) {
                assertThat(value.get("sum").isNull()).as(id + " sum is null").isTrue();
                assertThat(value.get("min").isNull()).as(id + " min is null").isTrue();
                assertThat(value.get("max").isNull()).as(id + " max is null").isTrue();
                assertThat(value.get("avg").isNull()).as(id + " avg is null").isTrue();
            } else {
                assertClose(id + " sum", value.get("sum"), f.sum);
                assertClose(id + " min", value.get("min"), f.min);
                assertClose(id + " max", value.get("max"), f.max);
                if (f.valueCount > 0) {
                    assertClose(id + " avg", value.get("avg"), f.sum / f.valueCount);
                }
            }
            long end = Instant.parse(value.get("end").asText()).toEpochMilli();
            long start = Instant.parse(value.get("start").asText()).toEpochMilli();
            assertThat(end - start)
                    .as(id + " window length")
                    .isEqualTo(sizeAndSlide(value.get("window").asText())[0]);
        }
    }

    private static void assertClose(String what, JsonNode actual, double expected) {
        assertThat(actual.isNumber()).as(what + " is a number").isTrue();
        double value = actual.asDouble();
        double tolerance = Math.max(Math.abs(expected) * RELATIVE_TOLERANCE, 1e-12);
        assertThat(Math.abs(value - expected))
                .as(what + ": " + value + " vs " + expected)
                .isLessThanOrEqualTo(tolerance);
    }

    /** Headers of a record as UTF-8 text. */
    public static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    /**
     * Asserts the dead letters read from Kafka: each expected one present once, byte for byte, with
     * its headers; {@code dlq.error} present and one line; {@code dlq.job} the job's name.
     */
    public static void assertDeadLetters(
            List<ConsumerRecord<byte[], byte[]>> actual,
            List<ContractCase.OutputRecord> expected,
            String sourceTopic,
            String jobName) {
        Map<String, ConsumerRecord<byte[], byte[]>> byOrigin = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : actual) {
            Map<String, String> headers = headers(record);
            String origin = headers.get("dlq.partition") + "/" + headers.get("dlq.offset");
            if (byOrigin.put(origin, record) != null) {
                fail("dead letter written twice for " + origin);
            }
        }
        Map<String, ContractCase.OutputRecord> expectedByOrigin = new TreeMap<>();
        for (ContractCase.OutputRecord record : expected) {
            expectedByOrigin.put(
                    record.headers.get("dlq.partition") + "/" + record.headers.get("dlq.offset"),
                    record);
        }
        assertThat(byOrigin.keySet())
                .as("dead-letter origins")
                .containsExactlyInAnyOrderElementsOf(expectedByOrigin.keySet());
        for (Map.Entry<String, ContractCase.OutputRecord> entry : expectedByOrigin.entrySet()) {
            ConsumerRecord<byte[], byte[]> record = byOrigin.get(entry.getKey());
            ContractCase.OutputRecord want = entry.getValue();
            String what = "dead letter " + entry.getKey();
            Map<String, String> headers = headers(record);
            assertThat(record.value()).as(what + " value bytes").isEqualTo(want.value);
            assertThat(
                            record.key() == null
                                    ? null
                                    : new String(record.key(), StandardCharsets.UTF_8))
                    .as(what + " key")
                    .isEqualTo(want.key);
            assertThat(headers.get("dlq.reason"))
                    .as(what + " reason")
                    .isEqualTo(want.headers.get("dlq.reason"));
            assertThat(headers.get("dlq.topic")).as(what + " topic").isEqualTo(sourceTopic);
            assertThat(headers.get("dlq.job")).as(what + " job").isEqualTo(jobName);
            assertThat(headers.get("dlq.error"))
                    .as(what + " error")
                    .isNotBlank()
                    .doesNotContain("\n", "\r");
        }
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
