package dev.eventpipeline.bench;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.ObjLongConsumer;

/**
 * Reads a results topic with {@code read_committed} while a contender runs, and notes when each
 * record became visible. The time of the last record is the end of a throughput measurement, and
 * the time of each record is the visibility time of a latency measurement.
 */
public final class OutputWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputWatcher.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final ObjLongConsumer<ConsumerRecord<byte[], byte[]>> listener;
    private volatile boolean stopped;
    private volatile long count;
    private volatile long lastArrivalMillis;
    private volatile RuntimeException failure;

    /**
     * Starts reading {@code topic} from its beginning; {@code listener} gets each record with the
     * wall-clock millisecond at which the poll that returned it finished.
     */
    public OutputWatcher(
            String bootstrapServers,
            String topic,
            ObjLongConsumer<ConsumerRecord<byte[], byte[]>> listener) {
        this.consumer = KafkaIo.consumer(bootstrapServers, 20);
        this.listener = listener;
        List<TopicPartition> partitions = KafkaIo.partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::run, "output-watcher-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!stopped) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    listener.accept(record, now);
                }
                if (!records.isEmpty()) {
                    lastArrivalMillis = now;
                    count += records.count();
                }
            }
        } catch (WakeupException e) {
            // close() stops the poll loop.
        } catch (RuntimeException e) {
            LOG.error("Reading the results failed", e);
            failure = e;
        }
    }

    /** Records read so far. */
    public long count() {
        return count;
    }

    /** Wall-clock millisecond of the poll that returned the last record, or 0 before any. */
    public long lastArrivalMillis() {
        return lastArrivalMillis;
    }

    /**
     * Waits until {@code expected} records were read, or until {@code done} is true and no record
     * arrived for {@code quiet} after at least one did. Returns whether the expected count was
     * reached.
     *
     * @throws IllegalStateException when {@code timeout} passes first or reading failed
     */
    public boolean await(long expected, BooleanSupplier done, Duration quiet, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietSince = System.nanoTime();
        long lastCount = -1;
        while (true) {
            if (failure != null) {
                throw new IllegalStateException("reading the results failed", failure);
            }
            long current = count;
            if (current >= expected) {
                return true;
            }
            if (current != lastCount) {
                lastCount = current;
                quietSince = System.nanoTime();
            }
            if (current > 0
                    && done.getAsBoolean()
                    && System.nanoTime() - quietSince > quiet.toNanos()) {
                return false;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out after "
                                + timeout
                                + " with "
                                + current
                                + " of "
                                + expected
                                + " results");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close();
    }
}
