package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One example case of the data contract, loaded from {@code src/test/resources/cases/NAME}: the
 * input records in production order, the window settings, and the results a bounded run must give.
 */
public final class ContractCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** All case names, in order. */
    public static final List<String> NAMES =
            List.of(
                    "h01_clean",
                    "h02_duplicates",
                    "h03_invalid_records",
                    "h04_ts_formats",
                    "h05_keys_unicode",
                    "h06_window_boundaries",
                    "h07_multi_partition",
                    "h08_late_events",
                    "h09_single_record",
                    "h10_gen_small",
                    "h11_usgs_sample");

    /** One input record: raw key and value bytes (either may be null) and its place. */
    public static final class InputRecord {
        public final byte[] key;
        public final byte[] value;
        public final int partition;
        public final long offset;

        InputRecord(byte[] key, byte[] value, int partition, long offset) {
            this.key = key;
            this.value = value;
            this.partition = partition;
            this.offset = offset;
        }
    }

    /** One expected output record: key text (or null), value bytes (or null), headers. */
    public static final class OutputRecord {
        public final String key;
        public final byte[] value;
        public final Map<String, String> headers;

        OutputRecord(String key, byte[] value, Map<String, String> headers) {
            this.key = key;
            this.value = value;
            this.headers = headers;
        }

        public String valueText() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    public final String name;
    public final List<String> windows;
    public final long outOfOrdernessMillis;
    public final long allowedLatenessMillis;
    public final int partitions;
    public final String sourceTopic;
    public final List<InputRecord> input;
    public final List<OutputRecord> expectedAggregates;
    public final List<OutputRecord> expectedDeadLetters;
    public final JsonNode expectedCounts;

    private ContractCase(String name) {
        this.name = name;
        JsonNode config = readJson(name + "/config.json");
        List<String> specs = new ArrayList<>();
        config.get("windows").forEach(node -> specs.add(node.asText()));
        this.windows = specs;
        this.outOfOrdernessMillis = config.get("out_of_orderness_ms").asLong();
        this.allowedLatenessMillis = config.path("allowed_lateness_ms").asLong(0);
        this.partitions = config.get("partitions").asInt();
        this.sourceTopic = config.get("source_topic").asText();
        this.input = new ArrayList<>();
        for (JsonNode line : readLines(name + "/input.jsonl")) {
            input.add(
                    new InputRecord(
                            bytes(line, "key"),
                            bytes(line, "value"),
                            line.get("partition").asInt(),
                            line.get("offset").asLong()));
        }
        this.expectedAggregates = outputs(name + "/expected-aggregates.jsonl");
        this.expectedDeadLetters = outputs(name + "/expected-dead-letters.jsonl");
        this.expectedCounts = readJson(name + "/expected-counts.json");
    }

    public static ContractCase load(String name) {
        return new ContractCase(name);
    }

    /** The expected value of a count; for a range, its minimum and maximum. */
    public long[] countRange(String count) {
        JsonNode node = expectedCounts.get(count);
        if (node.isObject()) {
            return new long[] {node.get("min").asLong(), node.get("max").asLong()};
        }
        return new long[] {node.asLong(), node.asLong()};
    }

    private static List<OutputRecord> outputs(String resource) {
        List<OutputRecord> records = new ArrayList<>();
        for (JsonNode line : readLines(resource)) {
            Map<String, String> headers = new LinkedHashMap<>();
            line.path("headers")
                    .fields()
                    .forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            byte[] key = bytes(line, "key");
            records.add(
                    new OutputRecord(
                            key == null ? null : new String(key, StandardCharsets.UTF_8),
                            bytes(line, "value"),
                            headers));
        }
        return records;
    }

    /** Raw bytes of {@code field}, taken from {@code field_b64} when present. */
    private static byte[] bytes(JsonNode line, String field) {
        JsonNode encoded = line.get(field + "_b64");
        if (encoded != null && !encoded.isNull()) {
            return Base64.getDecoder().decode(encoded.asText());
        }
        JsonNode text = line.get(field);
        if (text == null || text.isNull()) {
            return null;
        }
        return text.asText().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode readJson(String resource) {
        try (InputStream in = open(resource)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> readLines(String resource) {
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(open(resource), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static InputStream open(String resource) {
        InputStream in = ContractCase.class.getResourceAsStream("/cases/" + resource);
        if (in == null) {
            throw new IllegalArgumentException("no test resource cases/" + resource);
        }
        return in;
    }
}
