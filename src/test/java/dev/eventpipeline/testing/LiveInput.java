package dev.eventpipeline.testing;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous test input whose event time follows wall time. A producer thread writes events to
 * every partition of a topic at a fixed rate, mixed with invalid records, duplicates and late
 * events. It remembers every record with the partition and offset it landed at, and {@link
 * ExactlyOnceCheck} computes the expected output from these records.
 *
 * <p>The mix is deterministic per sequence number, so the outcome of each record is known up to one
 * choice the job makes: a late candidate is either dead-lettered as late or, if the watermark had
 * not passed its windows yet, counted in all of them. Everything else is fixed:
 *
 * <ul>
 *   <li>an on-time event carries {@code ts} = the wall-clock time at production, so no watermark
 *       can have passed its windows;
 *   <li>a duplicate repeats the id of the last on-time event of the same partition with another
 *       key, value and time, so the original reaches the deduplicator first, also after a replay;
 *   <li>an invalid record breaks the data contract in one of several ways;
 *   <li>a late candidate is valid with an event time 8 s in the past (a window that has just
 *       fired), or up to 1 h in the past in a window of its own that no other event shares.
 * </ul>
 *
 * <p>Values are multiples of 0.25 below 100 in magnitude, so every sum, whatever its order, is
 * exact in a double and the expected figures match the job's to the last bit.
 */
public final class LiveInput implements AutoCloseable {

    /** What a produced record is, and so where it must end up. */
    public enum Kind {
        ON_TIME,
        DUPLICATE,
        INVALID,
        LATE_CANDIDATE,
        /** Moves every partition's watermark far ahead, so all earlier windows fire. */
        FLUSH
    }

    /** One produced record with everything the expected output depends on. */
    public static final class Produced {
        public final long sequence;
        public final int phase;
        public final Kind kind;

        /** Event id; for an invalid record, the id its text would have had. */
        public final String id;

        /** Group key text as the data contract canonicalizes it. */
        public final String key;

        public final long timestamp;

        /** The event's value, or null when the event carries none. */
        public final Double value;

        public final int partition;
        public final byte[] recordKey;
        public final byte[] recordValue;
        private volatile long offset = -1;

        Produced(
                long sequence,
                int phase,
                Kind kind,
                String id,
                String key,
                long timestamp,
                Double value,
                int partition,
                byte[] recordKey,
                byte[] recordValue) {
            this.sequence = sequence;
            this.phase = phase;
            this.kind = kind;
            this.id = id;
            this.key = key;
            this.timestamp = timestamp;
            this.value = value;
            this.partition = partition;
            this.recordKey = recordKey;
            this.recordValue = recordValue;
        }

        /** Returns the offset the broker assigned, or -1 before the send was acknowledged. */
        public long offset() {
            return offset;
        }

        /** Returns {@code partition/offset}, the origin that dead-letter headers name. */
        public String origin() {
            return partition + "/" + offset;
        }

        @Override
        public String toString() {
            return kind + " " + id + " key=" + key + " ts=" + timestamp + " at " + origin();
        }
    }

    /** Timestamp distance of a flush event ahead of the latest event time produced. */
    public static final long FLUSH_AHEAD_MILLIS = 60_000;

    /** Group key of flush events; no window of this key ever fires. */
    public static final String FLUSH_KEY = "flush";

    private static final Logger LOG = LoggerFactory.getLogger(LiveInput.class);
    private static final String[] KEYS = {"sensor-a", "sensor-b", "sensor-c", "sensor-d", "42"};
    private static final long RECENT_LATE_MILLIS = 8_000;
    private static final long ANCIENT_LATE_MILLIS = 3_600_000;
    private static final long ANCIENT_SPACING_MILLIS = 10_000;
    private static final long SEND_TIMEOUT_SECONDS = 60;

    private final String runId;
    private final String topic;
    private final int partitions;
    private final long intervalNanos;
    private final long startMillis;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Produced> produced = new ArrayList<>();
    private final List<Future<?>> pending = new ArrayList<>();
    private final Produced[] lastOnTime;

    private long sequence;
    private long lateCandidates;
    private long maxTimestamp = Long.MIN_VALUE;
    private int phase = 1;
    private Thread thread;
    private volatile boolean running;
    private volatile Throwable failure;

    /**
     * Creates the input for {@code topic}; nothing is produced before {@link #start()}.
     *
     * @param runId prefix of every event id, unique per test run
     * @param ratePerSecond records per second over all partitions while running
     */
    public LiveInput(
            String bootstrapServers,
            String topic,
            int partitions,
            String runId,
            int ratePerSecond) {
        this.runId = runId;
        this.topic = topic;
        this.partitions = partitions;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        this.startMillis = System.currentTimeMillis();
        this.producer = KafkaTestIo.producer(bootstrapServers);
        this.lastOnTime = new Produced[partitions];
    }

    // ------------------------------------------------------------------ producing

    /** Starts the producer thread. */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("LiveInput for " + topic + " is already running");
        }
        running = true;
        thread = new Thread(this::produceLoop, "live-input-" + topic);
        thread.setDaemon(true);
        thread.start();
        LOG.info("Started producing to {} ({} partitions), phase {}", topic, partitions, phase);
    }

    /**
     * Stops the producer thread and waits until the broker has acknowledged every record.
     *
     * @throws IllegalStateException if a send failed
     */
    public void stop() {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
            thread = null;
        }
        if (current != null) {
            try {
                current.join(TimeUnit.SECONDS.toMillis(SEND_TIMEOUT_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted stopping the input of " + topic, e);
            }
        }
        awaitAcknowledged();
        LOG.info("Stopped producing to {} after {} records", topic, produced().size());
    }

    /** Starts a new phase: records produced from now on carry the next phase number. */
    public synchronized void nextPhase() {
        phase++;
    }

    /**
     * Produces one on-time event per key with the given event time, spread over the partitions, and
     * waits for the acknowledgements. Used to put events into windows that are still open.
     */
    public synchronized List<Produced> produceOnTimeAt(long timestamp) {
        List<Produced> events = new ArrayList<>();
        for (int i = 0; i < KEYS.length; i++) {
            int partition = (int) (sequence % partitions);
            events.add(send(onTime(sequence++, partition, i, timestamp)));
        }
        awaitAcknowledged();
        return events;
    }

    /**
     * Produces a duplicate of each given event (same id, other key, value and time) and waits for
     * the acknowledgements. The caller makes sure the originals were processed before.
     */
    public synchronized List<Produced> produceDuplicatesOf(List<Produced> originals) {
        List<Produced> duplicates = new ArrayList<>();
        for (Produced original : originals) {
            int partition = (int) (sequence % partitions);
            duplicates.add(send(duplicate(sequence++, partition, original)));
        }
        awaitAcknowledged();
        return duplicates;
    }

    /**
     * Produces one flush event per partition, {@link #FLUSH_AHEAD_MILLIS} after the latest event
     * time so far, and waits for the acknowledgements. Once the job has read them, the watermark of
     * every partition has passed every earlier window.
     */
    public synchronized void flush() {
        long timestamp = maxTimestamp + FLUSH_AHEAD_MILLIS;
        for (int partition = 0; partition < partitions; partition++) {
            long seq = sequence++;
            String id = runId + "-flush-" + seq;
            String json =
                    "{\"id\":\""
                            + id
                            + "\",\"ts\":"
                            + timestamp
                            + ",\"key\":\""
                            + FLUSH_KEY
                            + "\"}";
            send(
                    new Produced(
                            seq,
                            phase,
                            Kind.FLUSH,
                            id,
                            FLUSH_KEY,
                            timestamp,
                            null,
                            partition,
                            utf8(id),
                            utf8(json)));
        }
        awaitAcknowledged();
        LOG.info("Produced flush events at ts {} to every partition of {}", timestamp, topic);
    }

    /** Returns a copy of every record produced so far, in production order. */
    public synchronized List<Produced> produced() {
        return new ArrayList<>(produced);
    }

    /** Returns the number of records produced so far by kind. */
    public synchronized Map<Kind, Integer> counts() {
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            counts.put(kind, 0);
        }
        for (Produced record : produced) {
            counts.merge(record.kind, 1, Integer::sum);
        }
        return counts;
    }

    /** Returns the largest event time produced so far. */
    public synchronized long maxTimestamp() {
        return maxTimestamp;
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            producer.close();
        }
    }

    private void produceLoop() {
        long next = System.nanoTime();
        try {
            while (running) {
                synchronized (this) {
                    produceNext();
                }
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    // Paces the production rate; nothing waits on another thread here.
                    LockSupport.parkNanos(wait);
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            running = false;
            LOG.error("Producing to {} failed at record {}", topic, sequence, e);
        }
    }

    private void produceNext() {
        long seq = sequence++;
        int partition = (int) (seq % partitions);
        long now = System.currentTimeMillis();
        Produced record;
        if (seq % 17 == 5) {
            record = invalid(seq, partition);
        } else if (seq % 13 == 7 && lastOnTime[partition] != null) {
            record = duplicate(seq, partition, lastOnTime[partition]);
        } else if (seq % 29 == 11) {
            record = lateCandidate(seq, partition, now);
        } else {
            record = onTime(seq, partition, (int) (seq % KEYS.length), now);
        }
        send(record);
    }

    private Produced onTime(long seq, int partition, int keyIndex, long timestamp) {
        String id = runId + "-" + seq;
        Double value = seq % 10 == 0 || seq % 23 == 0 ? null : valueOf(seq);
        Produced record =
                event(seq, Kind.ON_TIME, partition, id, keyIndex, timestamp, value, seq % 23 == 0);
        lastOnTime[partition] = record;
        return record;
    }

    private Produced duplicate(long seq, int partition, Produced original) {
        int keyIndex = (int) ((seq + 1) % KEYS.length);
        long now = Math.max(System.currentTimeMillis(), original.timestamp);
        return event(seq, Kind.DUPLICATE, partition, original.id, keyIndex, now, 99.75, false);
    }

    private Produced lateCandidate(long seq, int partition, long now) {
        long index = lateCandidates++;
        long timestamp;
        if (index % 2 == 0) {
            timestamp = now - RECENT_LATE_MILLIS;
        } else {
            timestamp = startMillis - ANCIENT_LATE_MILLIS + index * ANCIENT_SPACING_MILLIS;
            if (timestamp > startMillis - RECENT_LATE_MILLIS) {
                throw new IllegalStateException(
                        "Too many late candidates for distinct windows before the start of "
                                + topic
                                + "; lower the rate or the run time");
            }
        }
        String id = runId + "-" + seq;
        int keyIndex = (int) (seq % KEYS.length);
        return event(
                seq, Kind.LATE_CANDIDATE, partition, id, keyIndex, timestamp, valueOf(seq), false);
    }

    private Produced event(
            long seq,
            Kind kind,
            int partition,
            String id,
            int keyIndex,
            long timestamp,
            Double value,
            boolean explicitNull) {
        String key = KEYS[keyIndex];
        StringBuilder json = new StringBuilder("{\"id\":\"").append(id).append("\",\"ts\":");
        // Some events carry an RFC 3339 string, the rest epoch milliseconds.
        if (seq % 7 == 3) {
            json.append('"').append(Instant.ofEpochMilli(timestamp)).append('"');
        } else {
            json.append(timestamp);
        }
        // The last key is written as a JSON integer; the job uses its decimal text.
        json.append(",\"key\":");
        if (keyIndex == KEYS.length - 1) {
            json.append(key);
        } else {
            json.append('"').append(key).append('"');
        }
        if (value != null) {
            json.append(",\"value\":").append(value);
        } else if (explicitNull) {
            json.append(",\"value\":null");
        }
        json.append(",\"seq\":").append(seq).append('}');
        return new Produced(
                seq,
                phase,
                kind,
                id,
                key,
                timestamp,
                value,
                partition,
                utf8(id),
                utf8(json.toString()));
    }

    private Produced invalid(long seq, int partition) {
        String id = runId + "-" + seq;
        byte[] value;
        switch ((int) (seq / 17 % 5)) {
            case 0:
                value = utf8("{\"id\":\"" + id + "\",\"ts\":");
                break;
            case 1:
                value = utf8("{\"id\":\"" + id + "\",\"key\":\"sensor-a\",\"value\":1}");
                break;
            case 2:
                value =
                        utf8(
                                "{\"id\":\""
                                        + id
                                        + "\",\"ts\":"
                                        + System.currentTimeMillis()
                                        + ",\"key\":\"sensor-a\",\"value\":\"12\"}");
                break;
            case 3:
                value = new byte[0];
                break;
            default:
                value = null;
                break;
        }
        byte[] recordKey = seq % 2 == 0 ? utf8(id) : null;
        return new Produced(
                seq,
                phase,
                Kind.INVALID,
                id,
                null,
                Long.MIN_VALUE,
                null,
                partition,
                recordKey,
                value);
    }

    private static double valueOf(long seq) {
        return ((seq * 37) % 400 - 200) / 4.0;
    }

    private Produced send(Produced record) {
        produced.add(record);
        if (record.kind != Kind.INVALID) {
            maxTimestamp = Math.max(maxTimestamp, record.timestamp);
        }
        pending.add(
                producer.send(
                        new ProducerRecord<>(
                                topic, record.partition, record.recordKey, record.recordValue),
                        (metadata, error) -> {
                            if (error != null) {
                                failure = error;
                                LOG.error("Failed to produce {} to {}", record, topic, error);
                            } else {
                                record.offset = metadata.offset();
                            }
                        }));
        return record;
    }

    private synchronized void awaitAcknowledged() {
        producer.flush();
        try {
            for (Future<?> future : pending) {
                future.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("A record to " + topic + " was not acknowledged", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted waiting for acknowledgements", e);
        }
        pending.clear();
        if (failure != null) {
            throw new IllegalStateException("Producing to " + topic + " failed", failure);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
