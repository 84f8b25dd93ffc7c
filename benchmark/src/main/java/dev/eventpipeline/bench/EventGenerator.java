package dev.eventpipeline.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

/**
 * Deterministic benchmark input: the same settings always give the same records, in the same order,
 * on the same partitions. The checker regenerates the records instead of storing them.
 *
 * <p>Record {@code i} is a valid event, an exact copy of a recent valid event (a duplicate) or an
 * invalid record. Event time advances {@link Settings#eventsPerSecond} events per simulated second
 * from {@link Settings#startMillis}, and each event lies up to {@link Settings#jitterMillis} behind
 * that clock. A duplicate goes to the partition of its original, later in that partition, so every
 * reader sees the original first. The jitter stays below the out-of-orderness bound, so no event is
 * late for per-partition watermarks.
 */
public final class EventGenerator {

    /** Kind of a generated record. */
    public enum Kind {
        VALID,
        DUPLICATE,
        INVALID
    }

    /** Generator settings. */
    public static final class Settings {
        /**
         * Event time of the first record. Kafka brokers reject records whose timestamp lies more
         * than an hour ahead of their clock, and the Kafka Streams peer writes event time as the
         * record timestamp, so the harness sets this to a day before the run.
         */
        public long startMillis = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

        public long events = 3_000_000;
        public int partitions = 4;
        public int keys = 1_000;
        public long seed = 42;
        public double duplicateShare = 0.05;
        public double invalidShare = 0.01;
        public double withoutValueShare = 0.01;
        public int eventsPerSecond = 2_000;
        public int jitterMillis = 5_000;

        /** Returns a one-line description for logs and reports. */
        public String describe() {
            return String.format(
                    "%,d events, %d partitions, %,d keys, seed %d, %.1f%% duplicates, %.1f%%"
                            + " invalid, %.1f%% without value, %,d events per simulated second"
                            + " from %s, jitter up to %,d ms",
                    events,
                    partitions,
                    keys,
                    seed,
                    duplicateShare * 100,
                    invalidShare * 100,
                    withoutValueShare * 100,
                    eventsPerSecond,
                    Instant.ofEpochMilli(startMillis),
                    jitterMillis);
        }
    }

    /** One generated record; the event fields are set for valid events and duplicates. */
    public static final class Record {
        public Kind kind;
        public int partition;
        public long offset;
        public byte[] key;
        public byte[] value;
        public String groupKey;
        public long timestamp;
        public boolean hasValue;
        public double numericValue;
    }

    private static final DateTimeFormatter LOCAL =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    /** Valid events kept for duplicates to copy; a power of two. */
    private static final int RECENT = 4096;

    private final Settings settings;
    private final SplittableRandom random;
    private final long[] nextOffset;
    private final Record[] recent = new Record[RECENT];
    private final String[] keyTexts;
    private long index;
    private long validCount;

    public EventGenerator(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed);
        this.nextOffset = new long[settings.partitions];
        this.keyTexts = new String[settings.keys];
        for (int k = 0; k < settings.keys; k++) {
            keyTexts[k] = keyText(k);
        }
    }

    /** Returns whether {@link #next()} has another record. */
    public boolean hasNext() {
        return index < settings.events;
    }

    /** Generates the next record. */
    public Record next() {
        double draw = random.nextDouble();
        Record record;
        if (draw < settings.invalidShare) {
            record = invalid();
        } else if (draw < settings.invalidShare + settings.duplicateShare && validCount > 0) {
            record = duplicate();
        } else {
            record = valid();
        }
        record.offset = nextOffset[record.partition]++;
        index++;
        return record;
    }

    private Record valid() {
        Record record = new Record();
        record.kind = Kind.VALID;
        record.partition = random.nextInt(settings.partitions);
        // Skewed keys: the square of a uniform draw favours low key numbers. Key 0 gets about
        // 3 % of the events, and the upper half of the keys about 29 % together.
        double u = random.nextDouble();
        int keyIndex = (int) (u * u * settings.keys);
        record.groupKey = keyTexts[keyIndex];
        long clock = settings.startMillis + index * 1000 / settings.eventsPerSecond;
        record.timestamp = clock - random.nextInt(settings.jitterMillis);

        StringBuilder json = new StringBuilder(160);
        json.append("{\"id\":\"ev-").append(index).append('"');
        json.append(",\"ts\":").append(timestampText(record.timestamp));
        if (keyIndex % 100 == 99) {
            // A few keys are written as JSON integers; the group key is their decimal text.
            json.append(",\"key\":").append(record.groupKey);
        } else {
            json.append(",\"key\":\"").append(record.groupKey).append('"');
        }
        double valueDraw = random.nextDouble();
        if (valueDraw < settings.withoutValueShare * 0.7) {
            record.hasValue = false;
        } else if (valueDraw < settings.withoutValueShare) {
            record.hasValue = false;
            json.append(",\"value\":null");
        } else {
            long cents = random.nextLong(-10_000, 100_000);
            String text = centsText(cents);
            record.hasValue = true;
            record.numericValue = Double.parseDouble(text);
            json.append(",\"value\":").append(text);
        }
        if (random.nextInt(5) == 0) {
            json.append(",\"meta\":{\"source\":\"bench\",\"tags\":[\"a\",\"b\"],\"n\":")
                    .append(index % 1000)
                    .append('}');
        }
        json.append('}');
        record.key = record.groupKey.getBytes(StandardCharsets.UTF_8);
        record.value = json.toString().getBytes(StandardCharsets.UTF_8);
        recent[(int) (validCount % RECENT)] = record;
        validCount++;
        return record;
    }

    private Record duplicate() {
        int window = (int) Math.min(validCount, RECENT);
        Record original = recent[(int) ((validCount - 1 - random.nextInt(window)) % RECENT)];
        Record copy = new Record();
        copy.kind = Kind.DUPLICATE;
        copy.partition = original.partition;
        copy.key = original.key;
        copy.value = original.value;
        copy.groupKey = original.groupKey;
        copy.timestamp = original.timestamp;
        copy.hasValue = original.hasValue;
        copy.numericValue = original.numericValue;
        return copy;
    }

    private Record invalid() {
        Record record = new Record();
        record.kind = Kind.INVALID;
        record.partition = random.nextInt(settings.partitions);
        long clock = settings.startMillis + index * 1000 / settings.eventsPerSecond;
        String id = "bad-" + index;
        String text;
        switch (random.nextInt(8)) {
            case 0:
                text = "{\"id\":\"" + id + "\",\"ts\":" + clock + ",\"key\":\"k1\"";
                break;
            case 1:
                text = "{\"id\":\"" + id + "\",\"key\":\"k1\",\"value\":1}";
                break;
            case 2:
                text =
                        "{\"id\":\""
                                + id
                                + "\",\"ts\":\""
                                + LocalDateTime.ofEpochSecond(clock / 1000, 0, ZoneOffset.UTC)
                                        .format(LOCAL)
                                + "\",\"key\":\"k1\"}";
                break;
            case 3:
                text =
                        "{\"id\":\""
                                + id
                                + "\",\"ts\":"
                                + clock
                                + ",\"key\":\"k1\",\"value\":\"12\"}";
                break;
            case 4:
                text = "{\"id\":\"" + id + "\",\"ts\":" + clock + ",\"key\":1.5}";
                break;
            case 5:
                text = "";
                break;
            case 6:
                text = "[\"" + id + "\"," + clock + "]";
                break;
            default:
                text = null;
                break;
        }
        record.key = ("bad-" + (index % 10)).getBytes(StandardCharsets.UTF_8);
        record.value = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        return record;
    }

    /**
     * Returns the group key of key number {@code k}: mostly ASCII, some non-ASCII, some integers.
     */
    private static String keyText(int k) {
        if (k % 100 == 99) {
            return Integer.toString(100_000 + k);
        }
        if (k % 97 == 0) {
            return "Zürich-東京-" + k;
        }
        return String.format("k%03d", k);
    }

    /** Writes {@code ts} in one of the contract's forms, chosen at random. */
    private String timestampText(long ts) {
        int form = random.nextInt(20);
        if (form < 4) {
            return Long.toString(ts);
        }
        Instant instant = Instant.ofEpochMilli(ts);
        if (form < 14) {
            return '"' + DateTimeFormatter.ISO_INSTANT.format(instant) + '"';
        }
        if (form < 17) {
            // The same instant at +01:00, with milliseconds.
            String local =
                    LocalDateTime.ofInstant(instant, ZoneOffset.ofHours(1))
                            .format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS"));
            return '"' + local + "+01:00\"";
        }
        // Microsecond digits, which the contract truncates to the millisecond.
        String local =
                LocalDateTime.ofInstant(instant, ZoneOffset.UTC)
                        .format(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS"));
        return '"' + local + (form % 10) + "37Z\"";
    }

    private static String centsText(long cents) {
        long whole = Math.abs(cents) / 100;
        long fraction = Math.abs(cents) % 100;
        return (cents < 0 ? "-" : "") + whole + "." + (fraction < 10 ? "0" : "") + fraction;
    }
}
