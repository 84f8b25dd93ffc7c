package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.parse.EventParser;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.connectors.rabbitmq.RMQDeserializationSchema;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Turns each RabbitMQ delivery into a {@link SourceRecord}, parsed here as the Kafka source does,
 * and gives the connector the identity it uses to drop redeliveries.
 *
 * <p>The raw record carries the queue name as topic, partition and offset {@code -1} (a queue has
 * neither), the body untouched as value, and as key the correlation id, else the message id, else
 * none, as UTF-8 bytes.
 *
 * <p>With correlation ids on, the identity of a message is its correlation id plus the SHA-256 of
 * its body. A redelivery (same id, same body) is dropped by the connector while the first delivery
 * is not yet acknowledged. A different body under a reused correlation id is a different message:
 * it passes, and the dedup stage then decides by event id, so no event is dropped unseen. A message
 * without a correlation id becomes an invalid record (a dead letter) under a random identity; it is
 * not deduplicated, so a redelivery of it is dead-lettered again.
 */
public class RabbitMqRecordDeserializer implements RMQDeserializationSchema<SourceRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqRecordDeserializer.class);

    /** The {@code dlq.error} of a message without a correlation id in correlation-id mode. */
    public static final String MISSING_CORRELATION_ID =
            "missing correlation id: with source.correlation-ids true every message must carry a"
                    + " unique one";

    /** Counts deliveries that RabbitMQ flagged as redelivered. */
    public static final String REDELIVERED_METRIC = "rabbitmqRedeliveries";

    /** Counts redeliveries dropped because the same message was read before. */
    public static final String DROPPED_METRIC = "rabbitmqRedeliveriesDropped";

    /** Counts messages without a correlation id in correlation-id mode. */
    public static final String MISSING_ID_METRIC = "rabbitmqMissingCorrelationIds";

    private static final String MISSING_ID_PREFIX = "missing-correlation-id/";

    private final String queue;
    private final EventParser parser;
    private final boolean correlationIds;

    private transient Counter redelivered;
    private transient Counter dropped;
    private transient Counter missingIds;
    private transient MessageDigest sha256;
    private transient volatile long lastDeliveryNanos;
    private transient volatile boolean deserializing;

    public RabbitMqRecordDeserializer(String queue, FieldNames fields, boolean correlationIds) {
        this.queue = queue;
        this.parser = new EventParser(fields);
        this.correlationIds = correlationIds;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        redelivered = context.getMetricGroup().counter(REDELIVERED_METRIC);
        dropped = context.getMetricGroup().counter(DROPPED_METRIC);
        missingIds = context.getMetricGroup().counter(MISSING_ID_METRIC);
        lastDeliveryNanos = System.nanoTime();
    }

    @Override
    public void deserialize(
            Envelope envelope,
            AMQP.BasicProperties properties,
            byte[] body,
            RMQCollector<SourceRecord> collector) {
        deserializing = true;
        lastDeliveryNanos = System.nanoTime();
        try {
            emit(envelope, properties, body, collector);
        } finally {
            lastDeliveryNanos = System.nanoTime();
            deserializing = false;
        }
    }

    private void emit(
            Envelope envelope,
            AMQP.BasicProperties properties,
            byte[] body,
            RMQCollector<SourceRecord> collector) {
        if (envelope.isRedeliver()) {
            redelivered.inc();
        }
        RawRecord raw = new RawRecord(key(properties), body, queue, -1, -1);
        if (!correlationIds) {
            collector.collect(parser.parse(raw));
            return;
        }
        String correlationId = properties.getCorrelationId();
        if (correlationId == null || correlationId.isEmpty()) {
            missingIds.inc();
            collector.setMessageIdentifiers(
                    MISSING_ID_PREFIX + UUID.randomUUID(), envelope.getDeliveryTag());
            collector.collect(SourceRecord.invalid(raw, MISSING_CORRELATION_ID));
            return;
        }
        if (!collector.setMessageIdentifiers(
                exactlyOnceId(correlationId, body), envelope.getDeliveryTag())) {
            dropped.inc();
            LOG.debug(
                    "Dropped redelivery of correlation id {} from queue {}", correlationId, queue);
            return;
        }
        collector.collect(parser.parse(raw));
    }

    /** The key of a raw record: correlation id, else message id, else none. */
    static byte[] key(AMQP.BasicProperties properties) {
        String key = properties.getCorrelationId();
        if (key == null) {
            key = properties.getMessageId();
        }
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    /** The identity the connector deduplicates by: correlation id and SHA-256 of the body. */
    String exactlyOnceId(String correlationId, byte[] body) {
        if (sha256 == null) {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
        return correlationId + "/" + HexFormat.of().formatHex(sha256.digest(body));
    }

    /**
     * {@link System#nanoTime()} when the last delivery started or finished, or of {@link #open}
     * before the first.
     */
    long lastDeliveryNanos() {
        return lastDeliveryNanos;
    }

    /** Whether a delivery is being turned into a record right now (it may wait on backpressure). */
    boolean isDeserializing() {
        return deserializing;
    }

    @Override
    public boolean isEndOfStream(SourceRecord record) {
        return false;
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}
