package dev.eventpipeline.source;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.parse.EventParser;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns each Kafka record into a {@link SourceRecord}: parsed here, inside the source, so the
 * watermark strategy sees the event time of each partition's valid records. Never throws, so no
 * record can fail the source.
 */
public class KafkaEventDeserializer implements KafkaRecordDeserializationSchema<SourceRecord> {

    private static final long serialVersionUID = 1L;

    private final EventParser parser;

    public KafkaEventDeserializer(FieldNames fields) {
        this.parser = new EventParser(fields);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) {
        RawRecord raw =
                new RawRecord(
                        record.key(),
                        record.value(),
                        record.topic(),
                        record.partition(),
                        record.offset());
        out.collect(parser.parse(raw));
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}
