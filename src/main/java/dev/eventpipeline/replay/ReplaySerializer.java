package dev.eventpipeline.replay;

import dev.eventpipeline.metrics.PipelineMetrics;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a dead letter's original record to the target topic: the original key and value bytes
 * unchanged, and {@code replay.*} headers that name the dead letter it came from.
 */
public class ReplaySerializer implements KafkaRecordSerializationSchema<StoredDeadLetter> {

    private static final long serialVersionUID = 1L;

    /** Dead-letter topic the record was read from. */
    public static final String FROM_TOPIC = "replay.from-topic";

    /** Partition of the dead letter. */
    public static final String FROM_PARTITION = "replay.from-partition";

    /** Offset of the dead letter. */
    public static final String FROM_OFFSET = "replay.from-offset";

    /** The dead letter's {@code dlq.reason}. */
    public static final String REASON = "replay.reason";

    /** The dead letter's {@code dlq.topic}, {@code dlq.partition} and {@code dlq.offset}. */
    public static final String ORIGINAL_TOPIC = "replay.original-topic";

    public static final String ORIGINAL_PARTITION = "replay.original-partition";
    public static final String ORIGINAL_OFFSET = "replay.original-offset";

    /** Name of the replay job that wrote the record. */
    public static final String JOB = "replay.job";

    private final String topic;
    private final String jobName;

    private transient Counter written;

    public ReplaySerializer(String topic, String jobName) {
        this.topic = topic;
        this.jobName = jobName;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        written = context.getMetricGroup().counter(PipelineMetrics.REPLAY_WRITTEN);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            StoredDeadLetter letter, KafkaSinkContext context, Long timestamp) {
        if (written != null) {
            written.inc();
        }
        RecordHeaders headers = new RecordHeaders();
        headerValues(letter, jobName)
                .forEach(
                        (name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
        // No timestamp: the producer's send time, so topic retention counts from the replay.
        return new ProducerRecord<>(topic, null, null, letter.key, letter.value, headers);
    }

    /** The {@code replay.*} headers of a republished record; absent source headers are left out. */
    public static Map<String, String> headerValues(StoredDeadLetter letter, String jobName) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(FROM_TOPIC, letter.topic);
        headers.put(FROM_PARTITION, Integer.toString(letter.partition));
        headers.put(FROM_OFFSET, Long.toString(letter.offset));
        putIfPresent(headers, REASON, letter.reason);
        putIfPresent(headers, ORIGINAL_TOPIC, letter.originalTopic);
        putIfPresent(headers, ORIGINAL_PARTITION, letter.originalPartition);
        putIfPresent(headers, ORIGINAL_OFFSET, letter.originalOffset);
        headers.put(JOB, jobName);
        return headers;
    }

    private static void putIfPresent(Map<String, String> headers, String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
    }
}
