package dev.eventpipeline.replay;

import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.sink.DeadLetterSerializer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Round trip of a dead letter: written by the pipeline's serializer, read by the replay's
 * deserializer, selected, and written again by the replay's serializer.
 */
class ReplayRecordsTest {

    private static final byte[] KEY = "user-7".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE =
            "{\"id\":\"e1\",\"time\":1}".getBytes(StandardCharsets.UTF_8);

    private static StoredDeadLetter readBack(DeadLetter letter, byte[] value) {
        ProducerRecord<byte[], byte[]> written =
                new DeadLetterSerializer("dead-letters", "orders").serialize(letter, null, null);
        RecordHeaders headers = new RecordHeaders(written.headers().toArray());
        ConsumerRecord<byte[], byte[]> stored =
                new ConsumerRecord<>(
                        "dead-letters",
                        2,
                        41L,
                        1_000L,
                        TimestampType.CREATE_TIME,
                        -1,
                        -1,
                        written.key(),
                        value,
                        headers,
                        Optional.empty());
        List<StoredDeadLetter> out = new ArrayList<>();
        new DeadLetterRecordDeserializer()
                .deserialize(
                        stored,
                        new org.apache.flink.util.Collector<>() {
                            @Override
                            public void collect(StoredDeadLetter record) {
                                out.add(record);
                            }

                            @Override
                            public void close() {}
                        });
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static DeadLetter invalidLetter(byte[] value) {
        return new DeadLetter(
                new RawRecord(KEY, value, "events", 3, 17L), DeadLetter.INVALID, "missing ts");
    }

    private static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void deserializerKeepsBytesAndHeaders() {
        StoredDeadLetter letter = readBack(invalidLetter(VALUE), VALUE);

        assertThat(letter.key).isEqualTo(KEY);
        assertThat(letter.value).isEqualTo(VALUE);
        assertThat(letter.topic).isEqualTo("dead-letters");
        assertThat(letter.partition).isEqualTo(2);
        assertThat(letter.offset).isEqualTo(41L);
        assertThat(letter.reason).isEqualTo("invalid");
        assertThat(letter.job).isEqualTo("orders");
        assertThat(letter.originalTopic).isEqualTo("events");
        assertThat(letter.originalPartition).isEqualTo("3");
        assertThat(letter.originalOffset).isEqualTo("17");
    }

    @Test
    void serializerRepublishesOriginalRecord() {
        StoredDeadLetter letter = readBack(invalidLetter(VALUE), VALUE);

        ProducerRecord<byte[], byte[]> record =
                new ReplaySerializer("events-fixed", "replay-1").serialize(letter, null, null);

        assertThat(record.topic()).isEqualTo("events-fixed");
        assertThat(record.key()).isEqualTo(KEY);
        assertThat(record.value()).isEqualTo(VALUE);
        assertThat(record.partition()).isNull();
        assertThat(record.timestamp()).isNull();
        assertThat(headers(record))
                .containsExactly(
                        Map.entry("replay.from-topic", "dead-letters"),
                        Map.entry("replay.from-partition", "2"),
                        Map.entry("replay.from-offset", "41"),
                        Map.entry("replay.reason", "invalid"),
                        Map.entry("replay.original-topic", "events"),
                        Map.entry("replay.original-partition", "3"),
                        Map.entry("replay.original-offset", "17"),
                        Map.entry("replay.job", "replay-1"));
    }

    @Test
    void tombstoneStaysNull() {
        StoredDeadLetter letter = readBack(invalidLetter(null), null);

        ProducerRecord<byte[], byte[]> record =
                new ReplaySerializer("events-fixed", "replay-1").serialize(letter, null, null);

        assertThat(record.value()).isNull();
        assertThat(record.key()).isEqualTo(KEY);
    }

    @Test
    void selectorMatchesReasonAndJob() {
        StoredDeadLetter invalid = readBack(invalidLetter(VALUE), VALUE);
        StoredDeadLetter late =
                readBack(
                        new DeadLetter(
                                new RawRecord(KEY, VALUE, "events", 0, 1L),
                                DeadLetter.LATE,
                                "window already closed"),
                        VALUE);
        StoredDeadLetter foreign = new StoredDeadLetter();

        DeadLetterSelector any = new DeadLetterSelector(Set.of(), "");
        DeadLetterSelector invalidOnly = new DeadLetterSelector(Set.of("invalid"), "");
        DeadLetterSelector otherJob = new DeadLetterSelector(Set.of(), "payments");
        DeadLetterSelector sameJob = new DeadLetterSelector(Set.of("late"), "orders");

        assertThat(any.isSelected(invalid)).isTrue();
        assertThat(any.isSelected(late)).isTrue();
        assertThat(any.isSelected(foreign)).as("record without dlq headers").isTrue();
        assertThat(invalidOnly.isSelected(invalid)).isTrue();
        assertThat(invalidOnly.isSelected(late)).isFalse();
        assertThat(invalidOnly.isSelected(foreign)).isFalse();
        assertThat(otherJob.isSelected(invalid)).isFalse();
        assertThat(sameJob.isSelected(late)).isTrue();
        assertThat(sameJob.isSelected(invalid)).isFalse();
    }
}
