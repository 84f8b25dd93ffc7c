package dev.eventpipeline.bench.peer;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.model.WindowResult;
import dev.eventpipeline.parse.EventParser;
import dev.eventpipeline.sink.AggregateJson;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The Kafka Streams peer of the job: the same pipeline written the way a Kafka Streams team would
 * write it, with the DSL where it fits and the Processor API for parsing, dedup and late routing.
 *
 * <pre>
 * input -> parse (the job's EventParser) -> invalid: dead letters
 *       -> repartition by id -> dedup (RocksDB key-value store, first record wins)
 *       -> repartition by key -> late router (watermark, or stream time) -> late: dead letters
 *       -> per window spec: windowedBy(size, grace).aggregate -> suppress(untilWindowCloses)
 *       -> aggregate JSON (the job's AggregateJson) -> output
 * </pre>
 *
 * <p>Kafka Streams closes windows only when stream time passes their end plus grace, and stream
 * time stops at the last input record. To give final results for a bounded input, as the job's
 * bounded mode does, the parser emits an {@link PeerRecord.Kind#END} marker after the last offset
 * of each input partition (the end offsets are read at start). Every repartition broadcasts the
 * markers to all its partitions, and a late router that has seen the marker of every (input
 * partition, by-id partition) pair has seen all of its input; it then forwards one {@link
 * PeerRecord.Kind#FLUSH} record whose timestamp lies past the end of every window of its task plus
 * grace, which closes them all. The flush key's own windows never close and are never written. The
 * timestamp stays close to the data because brokers reject records more than {@code
 * log.message.timestamp.after.max.ms} (one hour by default) ahead of their clock.
 */
public final class PeerTopology {

    /** Key of end markers and of the flush record. */
    public static final String FLUSH_KEY = "\u0000flush";

    /** Counters of the four contract counts, printed when the peer stops. */
    public static final AtomicLong RECORDS_IN = new AtomicLong();

    public static final AtomicLong INVALID = new AtomicLong();
    public static final AtomicLong DUPLICATES = new AtomicLong();
    public static final AtomicLong LATE = new AtomicLong();
    public static final AtomicLong ACCEPTED = new AtomicLong();

    /** Late-router tasks that have forwarded their flush record. */
    public static final AtomicInteger FLUSHED_TASKS = new AtomicInteger();

    /** Wall-clock millisecond of the first input record, or 0 before it. */
    public static final AtomicLong FIRST_RECORD_MILLIS = new AtomicLong();

    private static final String DEDUP_STORE = "dedup-ids";

    /** Settings of one peer run. */
    public static final class Settings {
        public String inputTopic;
        public String outputTopic;
        public String deadLetterTopic;
        public String jobName;
        public List<WindowSpec> windows;

        /** The out-of-orderness bound, which is the grace of the stream-time rule. */
        public Duration grace;

        /** How the late router decides; see {@link LateRule}. */
        public LateRule lateRule = LateRule.WATERMARK;

        public Duration dedupTtl;
        public int repartitionPartitions;

        /** End offset of each input partition, read when the peer starts. */
        public Map<Integer, Long> endOffsets;
    }

    /** How the peer decides that an event is late. */
    public enum LateRule {
        /**
         * The job's rule: per (input partition, by-id partition) path, the largest timestamp seen
         * minus the bound is a watermark, and an event is late when its earliest-ending window ends
         * at or below the smallest of them plus one millisecond. Each path keeps the order of its
         * input partition, so this is Flink's per-partition watermark. The window stores then get a
         * grace of {@link #WATERMARK_WINDOW_GRACE}, so that they drop nothing the router accepted,
         * and the flush record closes them.
         */
        WATERMARK,
        /**
         * Kafka Streams' own rule: an event is late when its earliest-ending window ends at or
         * below the task's stream time minus the grace. Stream time is the largest timestamp the
         * task has seen from any input partition, so when one stream thread runs ahead of the
         * other, events of the slower one become late that per-partition watermarks accept.
         */
        STREAM_TIME
    }

    /**
     * Window grace under {@link LateRule#WATERMARK}: longer than the event time that one stream
     * thread can run ahead of another within a benchmark input (3,000,000 events are 25 minutes of
     * event time).
     */
    public static final Duration WATERMARK_WINDOW_GRACE = Duration.ofHours(1);

    private PeerTopology() {}

    public static Topology build(Settings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<PeerRecord> records = PeerRecord.serde();
        Serde<String> strings = Serdes.String();
        int nonEmptyPartitions =
                (int) settings.endOffsets.values().stream().filter(end -> end > 0).count();
        int endMarkersExpected = nonEmptyPartitions * settings.repartitionPartitions;

        builder.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DEDUP_STORE), strings, Serdes.Long()));

        KStream<String, PeerRecord> parsed =
                builder.stream(
                                settings.inputTopic,
                                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                        .process(() -> new Parse(settings.endOffsets), Named.as("parse"));

        KStream<String, PeerRecord> valid =
                parsed.split(Named.as("parsed-"))
                        .branch(
                                (key, record) -> record.kind == PeerRecord.Kind.INVALID,
                                Branched.withConsumer(
                                        invalid -> toDeadLetters(invalid, settings, "invalid")))
                        .defaultBranch()
                        .get("parsed-0");

        KStream<String, PeerRecord> unique =
                valid.repartition(
                                Repartitioned.<String, PeerRecord>as("by-id")
                                        .withKeySerde(strings)
                                        .withValueSerde(records)
                                        .withNumberOfPartitions(settings.repartitionPartitions)
                                        .withStreamPartitioner(new BroadcastEndMarkers()))
                        .process(
                                () -> new Dedup(settings.dedupTtl.toMillis()),
                                Named.as("dedup"),
                                DEDUP_STORE);

        KStream<String, PeerRecord> routed =
                unique.repartition(
                                Repartitioned.<String, PeerRecord>as("by-key")
                                        .withKeySerde(strings)
                                        .withValueSerde(records)
                                        .withNumberOfPartitions(settings.repartitionPartitions)
                                        .withStreamPartitioner(new BroadcastEndMarkers()))
                        .processValues(
                                () -> new LateRouter(settings, endMarkersExpected),
                                Named.as("late-router"));

        KStream<String, PeerRecord> accepted =
                routed.split(Named.as("routed-"))
                        .branch(
                                (key, record) -> record.kind == PeerRecord.Kind.LATE,
                                Branched.withConsumer(
                                        late -> toDeadLetters(late, settings, "late")))
                        .defaultBranch()
                        .get("routed-0");

        KGroupedStream<String, PeerRecord> grouped =
                accepted.groupByKey(Grouped.with("by-key-grouped", strings, records));
        for (WindowSpec spec : settings.windows) {
            aggregate(grouped, spec, settings);
        }

        return builder.build();
    }

    private static void aggregate(
            KGroupedStream<String, PeerRecord> grouped, WindowSpec spec, Settings settings) {
        String name = spec.label().replace(':', '-').replace('/', '-');
        Duration size = Duration.ofMillis(spec.sizeMillis());
        TimeWindows windows = TimeWindows.ofSizeAndGrace(size, windowGrace(settings));
        if (spec.isSliding()) {
            windows = windows.advanceBy(Duration.ofMillis(spec.slideMillis()));
        }
        String label = spec.label();
        grouped.windowedBy(windows)
                .aggregate(
                        PeerAccumulator::new,
                        (key, record, acc) -> acc.add(record),
                        Named.as("aggregate-" + name),
                        Materialized.<String, PeerAccumulator, WindowStore<Bytes, byte[]>>as(
                                        "windows-" + name)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(PeerAccumulator.serde()))
                .suppress(
                        Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                                .withName("final-" + name))
                .toStream(Named.as("results-" + name))
                .filter((window, acc) -> !FLUSH_KEY.equals(window.key()), Named.as("drop-" + name))
                .map(
                        (window, acc) -> {
                            WindowResult result = new WindowResult();
                            result.window = label;
                            result.key = window.key();
                            result.start = window.window().start();
                            result.end = window.window().end();
                            result.count = acc.count;
                            result.valueCount = acc.valueCount;
                            result.sum = acc.sum;
                            result.min = acc.min;
                            result.max = acc.max;
                            return KeyValue.pair(
                                    result.key.getBytes(StandardCharsets.UTF_8),
                                    AggregateJson.toJson(result));
                        },
                        Named.as("json-" + name))
                .to(
                        settings.outputTopic,
                        Produced.<byte[], byte[]>with(Serdes.ByteArray(), Serdes.ByteArray())
                                .withName("output-" + name));
    }

    private static Duration windowGrace(Settings settings) {
        return settings.lateRule == LateRule.WATERMARK ? WATERMARK_WINDOW_GRACE : settings.grace;
    }

    private static void toDeadLetters(
            KStream<String, PeerRecord> stream, Settings settings, String reason) {
        stream.process(() -> new ToDeadLetter(settings.jobName), Named.as("dead-letter-" + reason))
                .to(
                        settings.deadLetterTopic,
                        Produced.<byte[], byte[]>with(Serdes.ByteArray(), Serdes.ByteArray())
                                .withName("dead-letters-" + reason));
    }

    /**
     * Partitions by the key's murmur2 hash, as Kafka's default partitioner does, and sends end
     * markers to every partition.
     */
    static final class BroadcastEndMarkers implements StreamPartitioner<String, PeerRecord> {
        @Override
        public Optional<Set<Integer>> partitions(
                String topic, String key, PeerRecord record, int numPartitions) {
            if (record.kind == PeerRecord.Kind.END) {
                return Optional.of(
                        IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
            }
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % numPartitions));
        }
    }

    /** Parses each input record with the job's parser; emits an end marker after the last one. */
    static final class Parse implements Processor<byte[], byte[], String, PeerRecord> {
        private final Map<Integer, Long> endOffsets;
        private final EventParser parser = new EventParser(FieldNames.DEFAULT);
        private ProcessorContext<String, PeerRecord> context;

        Parse(Map<Integer, Long> endOffsets) {
            this.endOffsets = endOffsets;
        }

        @Override
        public void init(ProcessorContext<String, PeerRecord> context) {
            this.context = context;
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (FIRST_RECORD_MILLIS.get() == 0) {
                FIRST_RECORD_MILLIS.compareAndSet(0, System.currentTimeMillis());
            }
            RECORDS_IN.incrementAndGet();
            RecordMetadata metadata = context.recordMetadata().orElseThrow();
            RawRecord raw =
                    new RawRecord(
                            record.key(),
                            record.value(),
                            metadata.topic(),
                            metadata.partition(),
                            metadata.offset());
            SourceRecord parsed = parser.parse(raw);
            PeerRecord out = new PeerRecord();
            out.rawKey = raw.key;
            out.rawValue = raw.value;
            out.topic = raw.topic;
            out.partition = raw.partition;
            out.offset = raw.offset;
            if (parsed.isValid()) {
                out.kind = PeerRecord.Kind.EVENT;
                out.id = parsed.event.id;
                out.key = parsed.event.key;
                out.timestamp = parsed.event.timestamp;
                out.hasValue = parsed.event.hasValue;
                out.value = parsed.event.value;
                context.forward(new Record<>(out.id, out, out.timestamp));
            } else {
                INVALID.incrementAndGet();
                out.kind = PeerRecord.Kind.INVALID;
                out.error = parsed.error;
                context.forward(new Record<>("", out, record.timestamp()));
            }
            Long end = endOffsets.get(metadata.partition());
            if (end != null && metadata.offset() == end - 1) {
                PeerRecord marker = new PeerRecord();
                marker.kind = PeerRecord.Kind.END;
                marker.sourcePartition = metadata.partition();
                context.forward(new Record<>(FLUSH_KEY, marker, record.timestamp()));
            }
        }
    }

    /**
     * Drops every event whose id was stored before; the first one wins. The store keeps the
     * wall-clock time at which an id was first seen, and an entry older than the TTL counts as
     * absent, which is the job's processing-time TTL.
     *
     * <p>NOTE: expired entries are never deleted from the store. Within a benchmark run, which is
     * far shorter than the one-hour TTL, no entry expires.
     */
    static final class Dedup implements Processor<String, PeerRecord, String, PeerRecord> {
        private final long ttlMillis;
        private ProcessorContext<String, PeerRecord> context;
        private KeyValueStore<String, Long> seen;

        Dedup(long ttlMillis) {
            this.ttlMillis = ttlMillis;
        }

        @Override
        public void init(ProcessorContext<String, PeerRecord> context) {
            this.context = context;
            this.seen = context.getStateStore(DEDUP_STORE);
        }

        @Override
        public void process(Record<String, PeerRecord> record) {
            PeerRecord value = record.value();
            if (value.kind == PeerRecord.Kind.END) {
                value.via = context.recordMetadata().orElseThrow().partition();
                context.forward(record);
                return;
            }
            long now = System.currentTimeMillis();
            Long firstSeen = seen.get(value.id);
            if (firstSeen != null && now - firstSeen < ttlMillis) {
                DUPLICATES.incrementAndGet();
                return;
            }
            seen.put(value.id, now);
            value.via = context.recordMetadata().orElseThrow().partition();
            context.forward(record.withKey(value.key));
        }
    }

    /**
     * Sends an event to the dead letters when the earliest-ending window that contains it has
     * closed, by the {@link LateRule} of the settings. The window aggregations downstream see a
     * subset of these records with a grace at least as long, so they never drop an event accepted
     * here.
     *
     * <p>NOTE: stream time and the path watermarks live in memory, as stream time does in Kafka
     * Streams' own window processors, so after a restart they start again from the records
     * replayed.
     */
    static final class LateRouter implements FixedKeyProcessor<String, PeerRecord, PeerRecord> {
        private final WindowSpec[] specs;
        private final LateRule rule;
        private final long boundMillis;
        private final long windowGraceMillis;
        private final long maxSizeMillis;
        private final int endMarkersExpected;
        private final int viaPartitions;
        private final Set<Long> endMarkers = new HashSet<>();

        /** Largest timestamp per path (input partition, by-id partition); MAX once it ended. */
        private final long[] pathMax;

        private FixedKeyProcessorContext<String, PeerRecord> context;
        private long streamTime = Long.MIN_VALUE;
        private boolean flushed;

        LateRouter(Settings settings, int endMarkersExpected) {
            this.specs = settings.windows.toArray(new WindowSpec[0]);
            this.rule = settings.lateRule;
            this.boundMillis = settings.grace.toMillis();
            this.windowGraceMillis = windowGrace(settings).toMillis();
            this.maxSizeMillis =
                    settings.windows.stream().mapToLong(WindowSpec::sizeMillis).max().orElse(0);
            this.endMarkersExpected = endMarkersExpected;
            this.viaPartitions = settings.repartitionPartitions;
            int inputPartitions =
                    settings.endOffsets.keySet().stream().mapToInt(p -> p + 1).max().orElse(0);
            this.pathMax = new long[inputPartitions * viaPartitions];
            java.util.Arrays.fill(pathMax, Long.MIN_VALUE);
            // An empty input partition sends no end marker and holds nothing back.
            settings.endOffsets.forEach(
                    (partition, end) -> {
                        if (end == 0) {
                            for (int via = 0; via < viaPartitions; via++) {
                                pathMax[partition * viaPartitions + via] = Long.MAX_VALUE;
                            }
                        }
                    });
        }

        @Override
        public void init(FixedKeyProcessorContext<String, PeerRecord> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, PeerRecord> record) {
            PeerRecord value = record.value();
            if (value.kind == PeerRecord.Kind.END) {
                endMarkers.add(((long) value.sourcePartition << 32) | value.via);
                pathMax[value.sourcePartition * viaPartitions + value.via] = Long.MAX_VALUE;
                if (!flushed && endMarkers.size() == endMarkersExpected) {
                    flushed = true;
                    value.kind = PeerRecord.Kind.FLUSH;
                    long flushTime =
                            streamTime == Long.MIN_VALUE
                                    ? record.timestamp()
                                    : streamTime + maxSizeMillis + windowGraceMillis + 1;
                    context.forward(record.withTimestamp(flushTime));
                    FLUSHED_TASKS.incrementAndGet();
                }
                return;
            }
            streamTime = Math.max(streamTime, value.timestamp);
            int path = value.partition * viaPartitions + value.via;
            pathMax[path] = Math.max(pathMax[path], value.timestamp);
            long earliestEnd = Long.MAX_VALUE;
            for (WindowSpec spec : specs) {
                earliestEnd = Math.min(earliestEnd, spec.earliestEndContaining(value.timestamp));
            }
            boolean late =
                    rule == LateRule.WATERMARK
                            ? earliestEnd - 1 <= watermark()
                            : earliestEnd <= streamTime - boundMillis;
            if (late) {
                LATE.incrementAndGet();
                value.kind = PeerRecord.Kind.LATE;
            } else {
                ACCEPTED.incrementAndGet();
            }
            context.forward(record);
        }

        /** Flink's watermark over all paths: the smallest largest timestamp, minus bound and 1. */
        private long watermark() {
            long smallest = Long.MAX_VALUE;
            for (long max : pathMax) {
                smallest = Math.min(smallest, max);
            }
            return smallest == Long.MIN_VALUE || smallest == Long.MAX_VALUE
                    ? smallest
                    : smallest - boundMillis - 1;
        }
    }

    /** Turns an invalid or late record into its dead letter: original bytes, dlq.* headers. */
    static final class ToDeadLetter implements Processor<String, PeerRecord, byte[], byte[]> {
        private final String jobName;
        private ProcessorContext<byte[], byte[]> context;

        ToDeadLetter(String jobName) {
            this.jobName = jobName;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, PeerRecord> record) {
            PeerRecord value = record.value();
            boolean late = value.kind == PeerRecord.Kind.LATE;
            RecordHeaders headers = new RecordHeaders();
            header(headers, "dlq.reason", late ? "late" : "invalid");
            header(headers, "dlq.error", late ? "window already closed" : value.error);
            header(headers, "dlq.topic", value.topic);
            header(headers, "dlq.partition", Integer.toString(value.partition));
            header(headers, "dlq.offset", Long.toString(value.offset));
            header(headers, "dlq.job", jobName);
            context.forward(
                    new Record<>(value.rawKey, value.rawValue, record.timestamp(), headers));
        }

        private static void header(RecordHeaders headers, String name, String value) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
