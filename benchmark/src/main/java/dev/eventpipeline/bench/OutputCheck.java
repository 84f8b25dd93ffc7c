package dev.eventpipeline.bench;

import dev.eventpipeline.config.WindowSpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks one contender's output against the regenerated input, without any of the contender's code:
 * every invalid record is a dead letter with reason {@code invalid} and its original bytes, no
 * duplicate leaves a trace, a late dead letter carries the original bytes of a valid event, and the
 * aggregates are exactly those of the accepted events (each valid first copy that was not
 * dead-lettered as late), each (window, key, start) once. Numbers are compared to a relative 1e-9,
 * since a sum over doubles depends on the order of addition.
 */
public final class OutputCheck {

    private static final Logger LOG = LoggerFactory.getLogger(OutputCheck.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double RELATIVE_TOLERANCE = 1e-9;
    private static final int MAX_PROBLEMS = 20;

    /** The four contract counts as the output shows them, and what did not match. */
    public static final class Result {
        public long recordsIn;
        public long invalid;
        public long duplicates;
        public long late;
        public long accepted;
        public long aggregates;
        public final List<String> problems = new ArrayList<>();

        public boolean passed() {
            return problems.isEmpty();
        }

        void problem(String text) {
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(text);
            }
        }
    }

    /** Figures of one expected window. */
    static final class Figures {
        long count;
        long valueCount;
        double sum;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean seen;
    }

    private static final class Letter {
        final String reason;
        final int valueHash;

        Letter(String reason, byte[] value) {
            this.reason = reason;
            this.valueHash = Arrays.hashCode(value);
        }
    }

    private OutputCheck() {}

    /**
     * Reads both topics with {@code read_committed} and checks them. Dead letters are reduced to
     * their reason and value hash while they are read, because a contender that dead-letters many
     * events as late writes as many dead letters as the input has records.
     */
    public static Result check(
            String bootstrapServers,
            GeneratedInput input,
            List<WindowSpec> specs,
            String aggregatesTopic,
            String deadLetterTopic) {
        Result result = new Result();
        Map<Long, Letter> letters = new HashMap<>();
        KafkaIo.readCommitted(
                bootstrapServers, deadLetterTopic, record -> addLetter(result, letters, record));
        List<ConsumerRecord<byte[], byte[]>> aggregates = new ArrayList<>();
        KafkaIo.readCommitted(bootstrapServers, aggregatesTopic, aggregates::add);
        return check(result, input, specs, letters, aggregates);
    }

    private static void addLetter(
            Result result, Map<Long, Letter> letters, ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = headers(record);
        long origin =
                origin(
                        Integer.parseInt(headers.getOrDefault("dlq.partition", "-1")),
                        Long.parseLong(headers.getOrDefault("dlq.offset", "-1")));
        if (letters.put(origin, new Letter(headers.get("dlq.reason"), record.value())) != null) {
            result.problem("dead letter written twice for " + describeOrigin(origin));
        }
    }

    static Result check(
            Result result,
            GeneratedInput input,
            List<WindowSpec> specs,
            Map<Long, Letter> letters,
            List<ConsumerRecord<byte[], byte[]>> aggregateRecords) {
        List<Map<Long, Figures>> expected = new ArrayList<>();
        specs.forEach(spec -> expected.add(new HashMap<>()));
        for (int i = 0; i < input.size(); i++) {
            result.recordsIn++;
            long origin = origin(input.partition[i], input.offset[i]);
            Letter letter = letters.remove(origin);
            switch (input.kind(i)) {
                case INVALID:
                    result.invalid++;
                    expectLetter(result, origin, letter, "invalid", input.valueHash[i]);
                    break;
                case DUPLICATE:
                    result.duplicates++;
                    if (letter != null) {
                        result.problem("duplicate " + describeOrigin(origin) + " dead-lettered");
                    }
                    break;
                default:
                    if (letter != null) {
                        result.late++;
                        expectLetter(result, origin, letter, "late", input.valueHash[i]);
                    } else {
                        result.accepted++;
                        addEvent(expected, specs, input, i);
                    }
            }
        }
        for (Map.Entry<Long, Letter> extra : letters.entrySet()) {
            result.problem(
                    "dead letter for "
                            + describeOrigin(extra.getKey())
                            + " that no input record explains");
        }
        compareAggregates(result, specs, expected, input, aggregateRecords);
        LOG.info(
                "Checked output: {} records in, {} invalid, {} duplicates, {} late, {} accepted,"
                        + " {} aggregates, {} problems",
                result.recordsIn,
                result.invalid,
                result.duplicates,
                result.late,
                result.accepted,
                result.aggregates,
                result.problems.size());
        return result;
    }

    private static void expectLetter(
            Result result, long origin, Letter letter, String reason, int valueHash) {
        if (letter == null) {
            result.problem("no dead letter for " + reason + " record " + describeOrigin(origin));
            return;
        }
        if (!reason.equals(letter.reason)) {
            result.problem(
                    "dead letter "
                            + describeOrigin(origin)
                            + " has reason "
                            + letter.reason
                            + ", expected "
                            + reason);
        }
        if (valueHash != letter.valueHash) {
            result.problem("dead letter " + describeOrigin(origin) + " changed the value bytes");
        }
    }

    /** Key of a window in the expected maps: key id and window start in slides. */
    private static long windowId(int keyId, long start, WindowSpec spec) {
        return ((long) keyId << 32) | (Math.floorDiv(start, spec.slideMillis()) & 0xFFFFFFFFL);
    }

    private static void addEvent(
            List<Map<Long, Figures>> expected,
            List<WindowSpec> specs,
            GeneratedInput input,
            int i) {
        long timestamp = input.timestamp[i];
        for (int s = 0; s < specs.size(); s++) {
            WindowSpec spec = specs.get(s);
            Map<Long, Figures> windows = expected.get(s);
            long lastStart = Math.floorDiv(timestamp, spec.slideMillis()) * spec.slideMillis();
            for (long start = lastStart;
                    start > timestamp - spec.sizeMillis();
                    start -= spec.slideMillis()) {
                Figures figures =
                        windows.computeIfAbsent(
                                windowId(input.keyId[i], start, spec), k -> new Figures());
                figures.count++;
                if (input.hasValue[i]) {
                    double value = input.value[i];
                    figures.valueCount++;
                    figures.sum += value;
                    figures.min = Math.min(figures.min, value);
                    figures.max = Math.max(figures.max, value);
                }
            }
        }
    }

    private static void compareAggregates(
            Result result,
            List<WindowSpec> specs,
            List<Map<Long, Figures>> expected,
            GeneratedInput input,
            List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> specIndex = new HashMap<>();
        for (int s = 0; s < specs.size(); s++) {
            specIndex.put(specs.get(s).label(), s);
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            result.aggregates++;
            JsonNode value;
            try {
                value = JSON.readTree(record.value());
            } catch (IOException e) {
                result.problem("aggregate at offset " + record.offset() + " is not JSON");
                continue;
            }
            String window = value.path("window").asText();
            String key = value.path("key").asText();
            String startText = value.path("start").asText();
            String id = window + " | " + key + " | " + startText;
            Integer s = specIndex.get(window);
            if (s == null) {
                result.problem("aggregate of an unknown window spec: " + id);
                continue;
            }
            if (record.key() == null
                    || !key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                result.problem("aggregate " + id + " has a record key other than its key");
            }
            WindowSpec spec = specs.get(s);
            long start = Instant.parse(startText).toEpochMilli();
            long end = Instant.parse(value.path("end").asText()).toEpochMilli();
            if (end - start != spec.sizeMillis()) {
                result.problem("aggregate " + id + " has the wrong end");
            }
            int keyId = input.keyId(key);
            Figures figures =
                    keyId < 0 || Math.floorMod(start, spec.slideMillis()) != 0
                            ? null
                            : expected.get(s).get(windowId(keyId, start, spec));
            if (figures == null) {
                result.problem("aggregate " + id + " was not expected");
                continue;
            }
            if (figures.seen) {
                result.problem("aggregate " + id + " written twice");
                continue;
            }
            figures.seen = true;
            compareFigures(result, id, figures, value);
        }
        for (int s = 0; s < specs.size(); s++) {
            for (Map.Entry<Long, Figures> entry : expected.get(s).entrySet()) {
                if (!entry.getValue().seen) {
                    long windowId = entry.getKey();
                    result.problem(
                            "aggregate missing: "
                                    + specs.get(s).label()
                                    + " | "
                                    + input.keyText((int) (windowId >>> 32))
                                    + " | "
                                    + Instant.ofEpochMilli(
                                            (int) windowId * specs.get(s).slideMillis()));
                }
            }
        }
    }

    private static void compareFigures(Result result, String id, Figures figures, JsonNode value) {
        if (value.path("count").asLong(-1) != figures.count) {
            result.problem(
                    "aggregate " + id + " count " + value.path("count") + " vs " + figures.count);
        }
        if (figures.valueCount == 0) {
            for (String field : List.of("sum", "min", "max", "avg")) {
                if (!value.path(field).isNull()) {
                    result.problem("aggregate " + id + " " + field + " should be null");
                }
            }
            return;
        }
        compareNumber(result, id, "sum", value, figures.sum);
        compareNumber(result, id, "min", value, figures.min);
        compareNumber(result, id, "max", value, figures.max);
        compareNumber(result, id, "avg", value, figures.sum / figures.valueCount);
    }

    private static void compareNumber(
            Result result, String id, String field, JsonNode value, double expected) {
        JsonNode actual = value.path(field);
        double tolerance = Math.max(Math.abs(expected) * RELATIVE_TOLERANCE, 1e-9);
        if (!actual.isNumber() || Math.abs(actual.asDouble() - expected) > tolerance) {
            result.problem("aggregate " + id + " " + field + " " + actual + " vs " + expected);
        }
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    private static long origin(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    private static String describeOrigin(long origin) {
        return (origin >>> 48) + "/" + (origin & ((1L << 48) - 1));
    }
}
