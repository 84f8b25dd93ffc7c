package dev.eventpipeline.sink;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Properties;

/**
 * Builds the Kafka sinks of results and dead letters. Each exactly-once sink gets its own
 * transactional id prefix derived from the job name: with the connector's shared default, two sinks
 * (or two jobs) would fence each other's producers.
 */
public final class KafkaSinks {

    /** Prefix of pass-through producer settings of the results sink in job files. */
    public static final String SINK_PROPERTIES_PREFIX = "sink.properties.";

    /** Prefix of pass-through producer settings of the dead-letter sink in job files. */
    public static final String DLQ_PROPERTIES_PREFIX = "dlq.properties.";

    private KafkaSinks() {}

    public static KafkaSink<WindowResult> results(JobConfig config) {
        return build(
                config,
                config.sinkBootstrapServers(),
                config.sinkTransactionalIdPrefix(),
                config.clientProperties(SINK_PROPERTIES_PREFIX),
                new AggregateSerializer(config.sinkTopic()));
    }

    public static KafkaSink<DeadLetter> deadLetters(JobConfig config) {
        Properties properties = config.clientProperties(SINK_PROPERTIES_PREFIX);
        properties.putAll(config.clientProperties(DLQ_PROPERTIES_PREFIX));
        return build(
                config,
                config.deadLetterBootstrapServers(),
                config.deadLetterTransactionalIdPrefix(),
                properties,
                new DeadLetterSerializer(config.deadLetterTopic(), config.name()));
    }

    private static <T> KafkaSink<T> build(
            JobConfig config,
            String bootstrapServers,
            String transactionalIdPrefix,
            Properties properties,
            KafkaRecordSerializationSchema<T> serializer) {
        properties.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(config.transactionTimeout().toMillis()));
        // Records are small and a transaction spans a whole checkpoint: batch them.
        properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
        properties.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(guarantee(config))
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setKafkaProducerConfig(properties)
                .build();
    }

    private static DeliveryGuarantee guarantee(JobConfig config) {
        switch (config.delivery()) {
            case AT_LEAST_ONCE:
                return DeliveryGuarantee.AT_LEAST_ONCE;
            case NONE:
                return DeliveryGuarantee.NONE;
            default:
                return DeliveryGuarantee.EXACTLY_ONCE;
        }
    }
}
