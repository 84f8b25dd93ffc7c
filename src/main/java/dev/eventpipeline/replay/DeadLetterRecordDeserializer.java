package dev.eventpipeline.replay;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/** Reads a dead-letter record as it is stored, bytes untouched and headers as UTF-8 text. */
public class DeadLetterRecordDeserializer
        implements KafkaRecordDeserializationSchema<StoredDeadLetter> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(
            ConsumerRecord<byte[], byte[]> record, Collector<StoredDeadLetter> out) {
        StoredDeadLetter letter = new StoredDeadLetter();
        letter.key = record.key();
        letter.value = record.value();
        letter.topic = record.topic();
        letter.partition = record.partition();
        letter.offset = record.offset();
        letter.reason = header(record, "dlq.reason");
        letter.job = header(record, "dlq.job");
        letter.originalTopic = header(record, "dlq.topic");
        letter.originalPartition = header(record, "dlq.partition");
        letter.originalOffset = header(record, "dlq.offset");
        out.collect(letter);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null
                ? null
                : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public TypeInformation<StoredDeadLetter> getProducedType() {
        return TypeInformation.of(StoredDeadLetter.class);
    }
}
