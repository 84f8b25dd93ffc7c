package dev.eventpipeline.sink;

import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.WindowResult;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SerializersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static WindowResult result(long valueCount) {
        WindowResult result = new WindowResult();
        result.window = "sliding:300s/60s";
        result.key = "温度计";
        result.start = Instant.parse("1969-12-31T23:56:00Z").toEpochMilli();
        result.end = Instant.parse("1970-01-01T00:01:00Z").toEpochMilli();
        result.count = 3;
        result.valueCount = valueCount;
        result.sum = 7.5;
        result.min = -1;
        result.max = 8.5;
        return result;
    }

    @Test
    void aggregateCarriesKeyAndContractFields() throws Exception {
        ProducerRecord<byte[], byte[]> record =
                new AggregateSerializer("aggregates").serialize(result(2), null, 59_999L);
        JsonNode value = JSON.readTree(record.value());

        assertThat(record.topic()).isEqualTo("aggregates");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("温度计");
        assertThat(record.timestamp()).isNull();
        assertThat(value.get("window").asText()).isEqualTo("sliding:300s/60s");
        assertThat(value.get("key").asText()).isEqualTo("温度计");
        assertThat(value.get("start").asText()).isEqualTo("1969-12-31T23:56:00.000Z");
        assertThat(value.get("end").asText()).isEqualTo("1970-01-01T00:01:00.000Z");
        assertThat(value.get("count").asLong()).isEqualTo(3);
        assertThat(value.get("sum").asDouble()).isEqualTo(7.5);
        assertThat(value.get("min").asDouble()).isEqualTo(-1.0);
        assertThat(value.get("max").asDouble()).isEqualTo(8.5);
        assertThat(value.get("avg").asDouble()).isEqualTo(3.75);
    }

    @Test
    void aggregateWithoutValuesHasNullFigures() throws Exception {
        JsonNode value = JSON.readTree(AggregateJson.toJson(result(0)));

        assertThat(value.get("count").asLong()).isEqualTo(3);
        assertThat(value.get("sum").isNull()).isTrue();
        assertThat(value.get("min").isNull()).isTrue();
        assertThat(value.get("max").isNull()).isTrue();
        assertThat(value.get("avg").isNull()).isTrue();
    }

    @Test
    void deadLetterKeepsBytesAndHeaders() {
        byte[] key = {(byte) 0xFF, 0x00, 0x41};
        byte[] value = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        DeadLetter letter =
                new DeadLetter(
                        new RawRecord(key, value, "events", 2, 41),
                        DeadLetter.INVALID,
                        "bad\nthing");

        ProducerRecord<byte[], byte[]> record =
                new DeadLetterSerializer("dead-letters", "my-job").serialize(letter, null, 5L);
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }

        assertThat(record.topic()).isEqualTo("dead-letters");
        assertThat(record.key()).isEqualTo(key);
        assertThat(record.value()).isEqualTo(value);
        assertThat(headers)
                .containsExactly(
                        Map.entry("dlq.reason", "invalid"),
                        Map.entry("dlq.error", "bad thing"),
                        Map.entry("dlq.topic", "events"),
                        Map.entry("dlq.partition", "2"),
                        Map.entry("dlq.offset", "41"),
                        Map.entry("dlq.job", "my-job"));
    }

    @Test
    void tombstoneDeadLetterStaysNull() {
        DeadLetter letter =
                new DeadLetter(
                        new RawRecord(null, null, "events", 0, 9), DeadLetter.INVALID, "tombstone");

        ProducerRecord<byte[], byte[]> record =
                new DeadLetterSerializer("dead-letters", "j").serialize(letter, null, null);

        assertThat(record.key()).isNull();
        assertThat(record.value()).isNull();
    }
}
