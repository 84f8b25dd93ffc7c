package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.connectors.rabbitmq.RMQDeserializationSchema;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks how deliveries become records and which identity the connector deduplicates by. The
 * collector below follows the connector's contract: an identity seen before is rejected.
 */
class RabbitMqRecordDeserializerTest {

    private static final FieldNames FIELDS = new FieldNames("id", "ts", "key", "value");
    private static final byte[] EVENT =
            "{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_EVENT =
            "{\"id\":\"b\",\"ts\":0,\"key\":\"k\",\"value\":2}".getBytes(StandardCharsets.UTF_8);

    private RecordingCollector collector;
    private long deliveryTag;

    @BeforeEach
    void newCollector() {
        collector = new RecordingCollector();
    }

    private static RabbitMqRecordDeserializer opened(boolean correlationIds) {
        RabbitMqRecordDeserializer deserializer =
                new RabbitMqRecordDeserializer("events-queue", FIELDS, correlationIds);
        deserializer.open(new TestInitializationContext());
        return deserializer;
    }

    private void deliver(
            RabbitMqRecordDeserializer deserializer,
            String correlationId,
            String messageId,
            byte[] body) {
        deliveryTag++;
        collector.identitySet = false;
        AMQP.BasicProperties properties =
                new AMQP.BasicProperties.Builder()
                        .correlationId(correlationId)
                        .messageId(messageId)
                        .build();
        deserializer.deserialize(
                new Envelope(deliveryTag, false, "", "events-queue"), properties, body, collector);
    }

    @Test
    void recordCarriesQueueAndUntouchedBody() {
        RabbitMqRecordDeserializer deserializer = opened(false);
        byte[] invalid = {(byte) 0xC3, 0x28};
        deliver(deserializer, null, "m-1", EVENT);
        deliver(deserializer, null, null, invalid);

        assertThat(collector.records).hasSize(2);
        SourceRecord valid = collector.records.get(0);
        assertThat(valid.isValid()).as("first is valid").isTrue();
        assertThat(valid.raw.topic).as("topic").isEqualTo("events-queue");
        assertThat(valid.raw.partition).as("partition").isEqualTo(-1);
        assertThat(valid.raw.offset).as("offset").isEqualTo(-1);
        assertThat(valid.raw.value).as("value").isEqualTo(EVENT);
        assertThat(valid.raw.key).as("key is the message id").isEqualTo(bytes("m-1"));
        SourceRecord bad = collector.records.get(1);
        assertThat(bad.isValid()).as("second is invalid").isFalse();
        assertThat(bad.raw.value).as("invalid value kept byte for byte").isEqualTo(invalid);
        assertThat(bad.raw.key).as("no key").isNull();
    }

    @Test
    void atLeastOnceModeLetsEveryDeliveryThrough() {
        RabbitMqRecordDeserializer deserializer = opened(false);
        deliver(deserializer, "c-1", "m-1", EVENT);
        deliver(deserializer, "c-1", "m-1", EVENT);

        assertThat(collector.records).as("records").hasSize(2);
        assertThat(collector.identities).as("identities set by the deserializer").isEmpty();
    }

    @Test
    void correlationIdKeyedRedeliveryIsDropped() {
        RabbitMqRecordDeserializer deserializer = opened(true);
        deliver(deserializer, "c-1", "m-1", EVENT);
        deliver(deserializer, "c-1", "m-1", EVENT);

        assertThat(collector.records).as("records").hasSize(1);
        assertThat(collector.records.get(0).raw.key)
                .as("key prefers the correlation id")
                .isEqualTo(bytes("c-1"));
    }

    @Test
    void reusedCorrelationIdWithOtherBodyPasses() {
        RabbitMqRecordDeserializer deserializer = opened(true);
        deliver(deserializer, "c-1", null, EVENT);
        deliver(deserializer, "c-1", null, OTHER_EVENT);

        assertThat(collector.records).as("records").hasSize(2);
        assertThat(collector.records.get(1).event.id).as("second event").isEqualTo("b");
    }

    @Test
    void missingCorrelationIdBecomesInvalidRecord() {
        RabbitMqRecordDeserializer deserializer = opened(true);
        deliver(deserializer, null, "m-1", EVENT);
        deliver(deserializer, "", "m-2", EVENT);

        assertThat(collector.records).as("records").hasSize(2);
        for (SourceRecord record : collector.records) {
            assertThat(record.isValid()).as("invalid").isFalse();
            assertThat(record.failed).as("not a processing failure").isFalse();
            assertThat(record.error)
                    .as("cause")
                    .isEqualTo(RabbitMqRecordDeserializer.MISSING_CORRELATION_ID);
            assertThat(record.raw.value).as("body kept").isEqualTo(EVENT);
        }
        assertThat(collector.identities)
                .as("each gets its own identity, so acknowledgement still works")
                .hasSize(2);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Records output; rejects a repeated identity as the connector's collector does. */
    private static final class RecordingCollector
            implements RMQDeserializationSchema.RMQCollector<SourceRecord> {
        final List<SourceRecord> records = new ArrayList<>();
        final Set<String> identities = new HashSet<>();
        boolean identitySet;

        @Override
        public boolean setMessageIdentifiers(String correlationId, long deliveryTag) {
            assertThat(identitySet).as("identity set once per delivery").isFalse();
            identitySet = true;
            return identities.add(correlationId);
        }

        @Override
        public void collect(SourceRecord record) {
            records.add(record);
        }

        @Override
        public void close() {}
    }

    private static final class TestInitializationContext
            implements DeserializationSchema.InitializationContext {
        @Override
        public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup();
        }

        @Override
        public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
        }
    }
}
