package dev.eventpipeline.robustness;

import dev.eventpipeline.testing.OutputChecks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deterministic input of the robustness drills, with the output it must produce. Record {@code i}
 * goes to partition {@code i % partitions} with event time {@code T0 + i * 10 ms}, so event time
 * rises in every partition and, with idleness detection off, no record can be late. Every 17th
 * record is invalid (its ts is no date-time), and every 13th repeats the id of the latest unique
 * event of its own partition with another payload. The rest are unique valid events, over 7 keys
 * unless the constructor names another number.
 *
 * <p>After the data, {@link #sendClosing} writes one event per partition an hour later in event
 * time, which moves the watermark past every data window, so an unbounded job fires all of them.
 * Those closing events are accepted, but their own windows never fire.
 */
final class DrillInput {

    private static final Logger LOG = LoggerFactory.getLogger(DrillInput.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Event time of record 0: 2026-12-04T10:00:00Z. */
    static final long T0 = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

    static final long SPACING_MILLIS = 10;
    static final String CLOSING_KEY = "zz-closing";

    private final String run;
    private final String topic;
    private final int partitions;
    private final List<String> windows;
    private final int keys;

    private final Map<String, OutputChecks.Figures> expectedAggregates = new TreeMap<>();
    private final List<Future<RecordMetadata>> invalidSends = new ArrayList<>();
    private final List<byte[]> invalidValues = new ArrayList<>();
    private int sent;
    private int invalid;
    private int duplicates;
    private int accepted;
    private final Map<Integer, String> latestUniqueIds = new HashMap<>();

    DrillInput(String run, String topic, int partitions, List<String> windows) {
        this(run, topic, partitions, windows, 7);
    }

    /** Creates input over {@code keys} keys; a large number gives one aggregate per event. */
    DrillInput(String run, String topic, int partitions, List<String> windows, int keys) {
        this.run = run;
        this.topic = topic;
        this.partitions = partitions;
        this.windows = windows;
        this.keys = keys;
    }

    /** Sends record {@code sent} and notes what it must produce. */
    void sendNext(KafkaProducer<byte[], byte[]> producer) {
        int i = sent++;
        int partition = i % partitions;
        long ts = T0 + i * SPACING_MILLIS;
        String key = "k" + (i % keys);
        byte[] value;
        boolean isInvalid = false;
        if (i % 17 == 16) {
            value =
                    utf8(
                            "{\"id\":\""
                                    + run
                                    + "-"
                                    + i
                                    + "\",\"ts\":\"not a time\",\"key\":\""
                                    + key
                                    + "\"}");
            invalid++;
            isInvalid = true;
        } else if (i % 13 == 12 && latestUniqueIds.containsKey(partition)) {
            // The original is in the same partition, so the job reads it first.
            value = event(latestUniqueIds.get(partition), ts, key, -1000.0 - i);
            duplicates++;
        } else {
            String id = run + "-" + i;
            double number = i % 5 == 0 ? Double.NaN : i * 0.5;
            value =
                    Double.isNaN(number)
                            ? eventWithoutValue(id, ts, key)
                            : event(id, ts, key, number);
            OutputChecks.addEvent(
                    expectedAggregates, windows, key, ts, Double.isNaN(number) ? null : number);
            latestUniqueIds.put(partition, id);
            accepted++;
        }
        Future<RecordMetadata> send =
                producer.send(
                        new ProducerRecord<>(topic, partition, utf8(key), value),
                        (metadata, error) -> {
                            if (error != null) {
                                LOG.error("Drill input record {} was not written", i, error);
                            }
                        });
        if (isInvalid) {
            invalidSends.add(send);
            invalidValues.add(value);
        }
    }

    /** Sends one closing event per partition, an hour after the last record in event time. */
    void sendClosing(KafkaProducer<byte[], byte[]> producer) {
        long ts = T0 + sent * SPACING_MILLIS + 3_600_000L;
        for (int partition = 0; partition < partitions; partition++) {
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            partition,
                            utf8(CLOSING_KEY),
                            event(run + "-closing-" + partition, ts, CLOSING_KEY, 0)));
        }
        producer.flush();
    }

    int sent() {
        return sent;
    }

    int invalid() {
        return invalid;
    }

    int duplicates() {
        return duplicates;
    }

    /** Unique valid data events; each is counted in its windows. */
    int accepted() {
        return accepted;
    }

    Map<String, OutputChecks.Figures> expectedAggregates() {
        return expectedAggregates;
    }

    /** Returns whether {@code aggregates} contains every expected aggregate identity. */
    boolean complete(List<ConsumerRecord<byte[], byte[]>> aggregates) {
        Set<String> found = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            found.add(identity(record));
        }
        return found.containsAll(normalizedExpectedIds());
    }

    /**
     * Asserts the committed output: every expected aggregate exactly once with its figures, no
     * other data aggregate, and one dead letter per invalid record, byte for byte, with reason
     * {@code invalid}.
     */
    void assertOutput(
            List<ConsumerRecord<byte[], byte[]>> aggregates,
            List<ConsumerRecord<byte[], byte[]>> deadLetters)
            throws Exception {
        List<ConsumerRecord<byte[], byte[]>> dataAggregates = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            if (!new String(record.key(), StandardCharsets.UTF_8).equals(CLOSING_KEY)) {
                dataAggregates.add(record);
            }
        }
        OutputChecks.assertAggregates(dataAggregates, expectedAggregates);

        Map<String, byte[]> expectedLetters = new HashMap<>();
        for (int i = 0; i < invalidSends.size(); i++) {
            RecordMetadata metadata = invalidSends.get(i).get(60, TimeUnit.SECONDS);
            expectedLetters.put(
                    metadata.partition() + "/" + metadata.offset(), invalidValues.get(i));
        }
        Map<String, ConsumerRecord<byte[], byte[]>> actualLetters = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> letter : deadLetters) {
            Map<String, String> headers = OutputChecks.headers(letter);
            String origin = headers.get("dlq.partition") + "/" + headers.get("dlq.offset");
            assertThat(actualLetters.put(origin, letter))
                    .as("dead letter of %s twice", origin)
                    .isNull();
            assertThat(headers.get("dlq.reason")).as("reason of %s", origin).isEqualTo("invalid");
            assertThat(headers.get("dlq.topic")).as("topic of %s", origin).isEqualTo(topic);
        }
        assertThat(actualLetters.keySet())
                .as("dead-letter origins")
                .isEqualTo(expectedLetters.keySet());
        for (Map.Entry<String, byte[]> entry : expectedLetters.entrySet()) {
            assertThat(actualLetters.get(entry.getKey()).value())
                    .as("bytes of dead letter %s", entry.getKey())
                    .isEqualTo(entry.getValue());
        }
    }

    /**
     * Returns the accepted count that the committed output shows: the sum of the counts of the
     * first window spec's data aggregates. For a tumbling spec every accepted event is in exactly
     * one window.
     */
    long acceptedInOutput(List<ConsumerRecord<byte[], byte[]>> aggregates) throws Exception {
        long total = 0;
        for (ConsumerRecord<byte[], byte[]> record : aggregates) {
            JsonNode value = JSON.readTree(record.value());
            if (value.get("window").asText().equals(windows.get(0))
                    && !value.get("key").asText().equals(CLOSING_KEY)) {
                total += value.get("count").asLong();
            }
        }
        return total;
    }

    private Set<String> normalizedExpectedIds() {
        Set<String> ids = new HashSet<>();
        for (String id : expectedAggregates.keySet()) {
            ids.add(id.replace(".000Z", "Z"));
        }
        return ids;
    }

    private static String identity(ConsumerRecord<byte[], byte[]> record) {
        String text = new String(record.value(), StandardCharsets.UTF_8);
        try {
            JsonNode value = JSON.readTree(text);
            return OutputChecks.aggregateId(
                            value.get("window").asText(),
                            value.get("key").asText(),
                            value.get("start").asText())
                    .replace(".000Z", "Z");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] event(String id, long ts, String key, double value) {
        return utf8(
                "{\"id\":\""
                        + id
                        + "\",\"ts\":"
                        + ts
                        + ",\"key\":\""
                        + key
                        + "\",\"value\":"
                        + value
                        + "}");
    }

    private static byte[] eventWithoutValue(String id, long ts, String key) {
        return utf8("{\"id\":\"" + id + "\",\"ts\":" + ts + ",\"key\":\"" + key + "\"}");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DrillInput{sent="
                + sent
                + ", invalid="
                + invalid
                + ", duplicates="
                + duplicates
                + ", accepted="
                + accepted
                + ", windows="
                + Arrays.toString(windows.toArray())
                + "}";
    }
}
