package dev.eventpipeline.sink;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;

import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes a window result to the output topic: key = group key as UTF-8, value = aggregate JSON. */
public class AggregateSerializer implements KafkaRecordSerializationSchema<WindowResult> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient Counter written;

    public AggregateSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        written = context.getMetricGroup().counter(PipelineMetrics.AGGREGATES_WRITTEN);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            WindowResult result, KafkaSinkContext context, Long timestamp) {
        if (written != null) {
            written.inc();
        }
        return new ProducerRecord<>(
                topic,
                null,
                // The broker's write time, not the window's: event time may lie further back than
                // the topic's retention, which would delete the result as soon as it is written.
                null,
                result.key.getBytes(StandardCharsets.UTF_8),
                AggregateJson.toJson(result));
    }
}
