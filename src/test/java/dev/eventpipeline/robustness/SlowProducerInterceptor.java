package dev.eventpipeline.robustness;

import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A producer interceptor that spaces the records of each producer at least a set interval apart.
 * Kafka calls {@link #onSend} on the thread that calls {@code send}, which in a Flink Kafka sink is
 * the task thread, so the sink writer blocks there and its task stops taking input: a slow sink
 * whose rate does not depend on how fast the machine is.
 *
 * <p>Set it through the job file: {@code sink.properties.interceptor.classes} names this class and
 * {@code sink.properties.}{@value #NANOS_PER_RECORD} the spacing.
 */
public final class SlowProducerInterceptor implements ProducerInterceptor<byte[], byte[]> {

    /** Producer property: the least time between two records of one producer, in nanoseconds. */
    public static final String NANOS_PER_RECORD = "test.slow-producer.nanos-per-record";

    private long nanosPerRecord;
    private long nextSendNanos;

    @Override
    public void configure(Map<String, ?> configs) {
        Object value = configs.get(NANOS_PER_RECORD);
        if (value == null) {
            throw new IllegalArgumentException(
                    "SlowProducerInterceptor needs the producer property "
                            + NANOS_PER_RECORD
                            + "; set it to the least nanoseconds between two records");
        }
        nanosPerRecord = Long.parseLong(value.toString());
        nextSendNanos = System.nanoTime();
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        // A schedule rather than a sleep per record, so that the rate stays exact even where a park
        // lasts longer than asked.
        long now = System.nanoTime();
        nextSendNanos = Math.max(nextSendNanos + nanosPerRecord, now);
        while (now < nextSendNanos) {
            LockSupport.parkNanos(nextSendNanos - now);
            now = System.nanoTime();
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

    @Override
    public void close() {}
}
