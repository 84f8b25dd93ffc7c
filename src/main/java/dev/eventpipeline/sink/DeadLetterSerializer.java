package dev.eventpipeline.sink;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.DeadLetter;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a dead letter to Kafka: the original key and value bytes unchanged (a null value stays
 * null) and the {@code dlq.*} headers as UTF-8 strings.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String jobName;

    private transient MetricGroup metricGroup;
    private transient Map<String, Counter> writtenByReason;

    public DeadLetterSerializer(String topic, String jobName) {
        this.topic = topic;
        this.jobName = jobName;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        metricGroup = context.getMetricGroup();
        writtenByReason = new HashMap<>();
        for (String reason :
                new String[] {DeadLetter.INVALID, DeadLetter.LATE, DeadLetter.FAILED}) {
            counter(reason);
        }
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        if (metricGroup != null) {
            counter(letter.reason).inc();
        }
        return new ProducerRecord<>(
                topic, null, null, letter.raw.key, letter.raw.value, headers(letter, jobName));
    }

    /** The {@code dlq.*} headers of a dead letter, shared by every dead-letter sink. */
    public static Map<String, String> headerValues(DeadLetter letter, String jobName) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("dlq.reason", letter.reason);
        headers.put("dlq.error", DeadLetter.oneLine(letter.error));
        headers.put("dlq.topic", letter.raw.topic);
        headers.put("dlq.partition", Integer.toString(letter.raw.partition));
        headers.put("dlq.offset", Long.toString(letter.raw.offset));
        headers.put("dlq.job", jobName);
        return headers;
    }

    private static RecordHeaders headers(DeadLetter letter, String jobName) {
        RecordHeaders headers = new RecordHeaders();
        headerValues(letter, jobName)
                .forEach(
                        (name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }

    private Counter counter(String reason) {
        return writtenByReason.computeIfAbsent(
                reason,
                r ->
                        metricGroup
                                .addGroup(PipelineMetrics.REASON_GROUP, r)
                                .counter(PipelineMetrics.DEAD_LETTERS_WRITTEN));
    }
}
