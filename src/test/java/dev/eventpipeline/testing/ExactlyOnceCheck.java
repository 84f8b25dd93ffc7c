package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks the committed output of a job that read a {@link LiveInput}: every expected aggregate
 * exactly once with exact figures, every dead letter exactly once byte for byte, and the four
 * contract counts balanced against what was produced. The expected output is computed from the
 * produced records alone, with {@link OutputChecks#addEvent}, never with the job's code.
 *
 * <p>The one decision left to the job is whether a late candidate was late: the dead letters with
 * reason {@code late} show which were, and every other candidate must then count in all of its
 * windows.
 */
public final class ExactlyOnceCheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The four contract counts derived from the committed output. */
    public static final class Counts {
        public final long recordsIn;
        public final long invalid;
        public final long duplicates;
        public final long late;
        public final long accepted;

        Counts(long recordsIn, long invalid, long duplicates, long late, long accepted) {
            this.recordsIn = recordsIn;
            this.invalid = invalid;
            this.duplicates = duplicates;
            this.late = late;
            this.accepted = accepted;
        }

        @Override
        public String toString() {
            return "records in "
                    + recordsIn
                    + " = invalid "
                    + invalid
                    + " + duplicates "
                    + duplicates
                    + " + late "
                    + late
                    + " + accepted "
                    + accepted;
        }
    }

    /** Expected aggregates and dead letters of one run. */
    public static final class Expected {
        /** Figures by aggregate identity ({@link OutputChecks#aggregateId}). */
        public final Map<String, OutputChecks.Figures> aggregates;

        /** Expected dead letters by origin ({@code partition/offset}). */
        public final Map<String, LiveInput.Produced> deadLetters;

        /** Origins of the late candidates that the job dead-lettered as late. */
        public final Set<String> lateOrigins;

        Expected(
                Map<String, OutputChecks.Figures> aggregates,
                Map<String, LiveInput.Produced> deadLetters,
                Set<String> lateOrigins) {
            this.aggregates = aggregates;
            this.deadLetters = deadLetters;
            this.lateOrigins = lateOrigins;
        }
    }

    private ExactlyOnceCheck() {}

    /**
     * Computes the expected output.
     *
     * @param windows for each window spec label, which accepted events its operator saw; usually
     *     all of them, but a spec added by an upgrade sees only the events after the upgrade
     * @param deadLetters the committed dead letters, which tell which late candidates were late
     */
    public static Expected expected(
            List<LiveInput.Produced> produced,
            Map<String, Predicate<LiveInput.Produced>> windows,
            List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        Set<String> lateOrigins = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            Map<String, String> headers = OutputChecks.headers(letter);
            if ("late".equals(headers.get("dlq.reason"))) {
                lateOrigins.add(headers.get("dlq.partition") + "/" + headers.get("dlq.offset"));
            }
        }
        Map<String, OutputChecks.Figures> aggregates = new TreeMap<>();
        Map<String, LiveInput.Produced> letters = new TreeMap<>();
        for (LiveInput.Produced record : produced) {
            boolean accepted;
            switch (record.kind) {
                case ON_TIME:
                    accepted = true;
                    break;
                case LATE_CANDIDATE:
                    accepted = !lateOrigins.contains(record.origin());
                    if (!accepted) {
                        letters.put(record.origin(), record);
                    }
                    break;
                case INVALID:
                    letters.put(record.origin(), record);
                    accepted = false;
                    break;
                default:
                    // Duplicates are dropped; flush events open windows that never fire.
                    accepted = false;
                    break;
            }
            if (!accepted) {
                continue;
            }
            for (Map.Entry<String, Predicate<LiveInput.Produced>> window : windows.entrySet()) {
                if (window.getValue().test(record)) {
                    OutputChecks.addEvent(
                            aggregates,
                            List.of(window.getKey()),
                            record.key,
                            record.timestamp,
                            record.value);
                }
            }
        }
        return new Expected(aggregates, letters, lateOrigins);
    }

    /** Returns whether every expected aggregate and dead letter has been committed. */
    public static boolean complete(
            Expected expected,
            List<ConsumerRecord<byte[], byte[]>> aggregates,
            List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            seen.add(aggregateId(record));
        }
        Set<String> origins = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            origins.add(origin(letter));
        }
        return seen.containsAll(expected.aggregates.keySet())
                && origins.containsAll(expected.deadLetters.keySet());
    }

    /**
     * Asserts the committed output against the expectation and returns the contract counts that the
     * output implies.
     *
     * @param countingSpec a tumbling spec whose operator saw every accepted event. Each accepted
     *     event is in exactly one of its windows, so its counts add up to the accepted events.
     */
    public static Counts assertOutput(
            List<LiveInput.Produced> produced,
            Expected expected,
            List<ConsumerRecord<byte[], byte[]>> aggregates,
            List<ConsumerRecord<byte[], byte[]>> deadLetters,
            String countingSpec,
            String sourceTopic,
            String jobName) {
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(key).as("aggregate key of a flush event").isNotEqualTo(LiveInput.FLUSH_KEY);
        }
        OutputChecks.assertAggregates(aggregates, expected.aggregates);
        assertDeadLetters(expected, deadLetters, sourceTopic, jobName);

        Map<LiveInput.Kind, Long> produceCounts = new HashMap<>();
        for (LiveInput.Produced record : produced) {
            produceCounts.merge(record.kind, 1L, Long::sum);
        }
        long invalid = 0;
        long late = 0;
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            String reason = OutputChecks.headers(letter).get("dlq.reason");
            if ("invalid".equals(reason)) {
                invalid++;
            } else if ("late".equals(reason)) {
                late++;
            }
        }
        long counted = 0;
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            JsonNode value = parse(record.value());
            if (value.get("window").asText().equals(countingSpec)) {
                counted += value.get("count").asLong();
            }
        }
        // Flush events are accepted too, into windows that never fire.
        long accepted = counted + produceCounts.getOrDefault(LiveInput.Kind.FLUSH, 0L);
        long recordsIn = produced.size();
        Counts counts =
                new Counts(
                        recordsIn, invalid, recordsIn - invalid - late - accepted, late, accepted);
        assertThat(counts.invalid)
                .as("invalid dead letters vs invalid records produced")
                .isEqualTo(produceCounts.getOrDefault(LiveInput.Kind.INVALID, 0L));
        assertThat(counts.duplicates)
                .as("records in - invalid - late - accepted vs duplicates produced; " + counts)
                .isEqualTo(produceCounts.getOrDefault(LiveInput.Kind.DUPLICATE, 0L));
        return counts;
    }

    private static void assertDeadLetters(
            Expected expected,
            List<ConsumerRecord<byte[], byte[]>> deadLetters,
            String sourceTopic,
            String jobName) {
        Map<String, ConsumerRecord<byte[], byte[]>> byOrigin = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            if (byOrigin.put(origin(letter), letter) != null) {
                fail("dead letter written twice for " + origin(letter));
            }
        }
        assertThat(byOrigin.keySet())
                .as("dead-letter origins")
                .containsExactlyInAnyOrderElementsOf(expected.deadLetters.keySet());
        for (Map.Entry<String, LiveInput.Produced> entry : expected.deadLetters.entrySet()) {
            LiveInput.Produced record = entry.getValue();
            ConsumerRecord<byte[], byte[]> letter = byOrigin.get(entry.getKey());
            Map<String, String> headers = OutputChecks.headers(letter);
            String what = "dead letter of " + record;
            assertThat(letter.value()).as(what + ": value bytes").isEqualTo(record.recordValue);
            assertThat(letter.key()).as(what + ": key bytes").isEqualTo(record.recordKey);
            assertThat(headers.get("dlq.reason"))
                    .as(what + ": dlq.reason")
                    .isEqualTo(record.kind == LiveInput.Kind.INVALID ? "invalid" : "late");
            assertThat(headers.get("dlq.topic")).as(what + ": dlq.topic").isEqualTo(sourceTopic);
            assertThat(headers.get("dlq.job")).as(what + ": dlq.job").isEqualTo(jobName);
            assertThat(headers.get("dlq.error")).as(what + ": dlq.error").isNotBlank();
        }
    }

    private static String aggregateId(ConsumerRecord<byte[], byte[]> record) {
        JsonNode value = parse(record.value());
        return OutputChecks.aggregateId(
                value.get("window").asText(),
                value.get("key").asText(),
                value.get("start").asText());
    }

    private static String origin(ConsumerRecord<byte[], byte[]> letter) {
        Map<String, String> headers = OutputChecks.headers(letter);
        return headers.get("dlq.partition") + "/" + headers.get("dlq.offset");
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
