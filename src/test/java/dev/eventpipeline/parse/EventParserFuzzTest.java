package dev.eventpipeline.parse;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random tests of the parser against the data contract. Generated valid events must be read
 * exactly, and invalid ones derived from them must be rejected with the right cause. Random bytes,
 * mutated events and random JSON must be classified without an exception. A strict Jackson tree
 * parser gives a second opinion on syntax: whatever it rejects, the parser must reject too, and
 * from whatever the parser accepts, both must read the same fields.
 *
 * <p>Each case draws from its own {@code Random}, seeded from a base seed that is new on every run
 * and printed. A failure names the seed of its case; {@code -Dfuzz.seed=SEED} replays a run.
 */
class EventParserFuzzTest {

    private static final EventParser PARSER = new EventParser(FieldNames.DEFAULT);

    private static final long BASE_SEED = Long.getLong("fuzz.seed", new Random().nextLong());

    /** Strict JSON with no size limits of its own, so it judges syntax only. */
    private static final ObjectMapper REFERENCE =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    static {
        REFERENCE
                .getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder()
                                .maxNestingDepth(10_000)
                                .maxNumberLength(Integer.MAX_VALUE)
                                .maxStringLength(Integer.MAX_VALUE)
                                .build());
    }

    /** Latest instant whose RFC 3339 form at any offset within ±18:00 has a 4-digit year. */
    private static final long MAX_ZONED_MILLIS = EventTimeParser.MAX_EXCLUSIVE - 18 * 3_600_000L;

    private static final List<String> REQUIRED_FIELDS = List.of("id", "ts", "key");
    private static final List<String> CONTRACT_FIELDS = List.of("id", "ts", "key", "value");
    private static final List<String> WRONG_TYPES =
            List.of(
                    "true",
                    "false",
                    "[]",
                    "[1]",
                    "{}",
                    "{\"a\":1}",
                    "1.5",
                    "1e3",
                    "4.0",
                    "\"12\"",
                    "42");
    private static final List<String> TRAILERS =
            List.of(
                    "{}", "1", "\"x\"", "[", "]", "}", ",", "null", "x", "\u00a0", "\f", "\u0000",
                    "//", "/* */", "\ufeff");

    private static final AtomicLong INPUTS = new AtomicLong();
    private static final AtomicLong SLOWEST_NANOS = new AtomicLong();

    @AfterAll
    static void printTotals() {
        System.out.printf(
                "EventParserFuzzTest: base seed %d, %d inputs classified, slowest %.3f ms%n",
                BASE_SEED, INPUTS.get(), SLOWEST_NANOS.get() / 1e6);
    }

    // ---------------------------------------------------------------- cases

    @Test
    void generatedValidEventIsReadExactly() {
        forEachCase(
                "valid event",
                2000,
                random -> {
                    EventDocument document = randomDocument(random);

                    SourceRecord result = classify(document.render());

                    assertThat(result.error).as("error for %s", document).isNull();
                    assertThat(result.event.id).as("id").isEqualTo(document.expectedId);
                    assertThat(result.event.timestamp)
                            .as("ts")
                            .isEqualTo(document.expectedTimestamp);
                    assertThat(result.event.key).as("key").isEqualTo(document.expectedKey);
                    assertThat(result.event.hasValue)
                            .as("has value")
                            .isEqualTo(document.expectedValue != null);
                    if (document.expectedValue != null) {
                        assertThat(result.event.value)
                                .as("value")
                                .isEqualTo(document.expectedValue);
                    }
                });
    }

    @Test
    void missingRequiredFieldIsInvalid() {
        forEachCase(
                "missing field",
                500,
                random -> {
                    String field = pick(random, REQUIRED_FIELDS);
                    EventDocument document = randomDocument(random).without(field);

                    SourceRecord result = classify(document.render());

                    assertInvalid(result);
                    assertThat(result.error).isEqualTo(field + " field is missing");
                });
    }

    @Test
    void nullRequiredFieldIsInvalid() {
        forEachCase(
                "null field",
                500,
                random -> {
                    String field = pick(random, REQUIRED_FIELDS);
                    EventDocument document = randomDocument(random).replacing(field, "null");

                    SourceRecord result = classify(document.render());

                    assertInvalid(result);
                    assertThat(result.error).isEqualTo(field + " field is null");
                });
    }

    @Test
    void wrongTypeIsInvalid() {
        forEachCase(
                "wrong type",
                1000,
                random -> {
                    String field = pick(random, CONTRACT_FIELDS);
                    String replacement = wrongFor(field, pick(random, WRONG_TYPES));
                    // Drop the field first, so that an event without a value gets one too.
                    EventDocument broken =
                            randomDocument(random).without(field).adding(field, replacement);

                    SourceRecord result = classify(broken.render());

                    assertInvalid(result, broken);
                    assertThat(result.error).as("error for %s", broken).startsWith(field);
                });
    }

    @Test
    void repeatedMemberNameIsInvalid() {
        forEachCase(
                "repeated name",
                500,
                random -> {
                    EventDocument document = randomDocument(random);
                    EventDocument repeated =
                            document.repeating(random.nextInt(document.members.size()));

                    SourceRecord result = classify(repeated.render());

                    assertInvalid(result);
                    assertThat(result.error).as("error for %s", repeated).contains("Duplicate");
                });
    }

    @Test
    void truncatedEventIsInvalid() {
        forEachCase(
                "truncated event",
                1000,
                random -> {
                    byte[] whole = randomDocument(random).render();
                    int end = lastIndexOf(whole, (byte) '}');
                    byte[] prefix = Arrays.copyOf(whole, random.nextInt(end + 1));

                    SourceRecord result = classify(prefix);

                    assertInvalid(result);
                });
    }

    @Test
    void trailingContentIsInvalid() {
        forEachCase(
                "trailing content",
                500,
                random -> {
                    byte[] whole = randomDocument(random).render();
                    byte[] trailer = pick(random, TRAILERS).getBytes(StandardCharsets.UTF_8);

                    SourceRecord result = classify(concat(whole, trailer));

                    assertInvalid(result);
                });
    }

    @Test
    void randomBytesAreClassified() {
        forEachCase(
                "random bytes",
                5000,
                random -> {
                    byte[] value = new byte[random.nextInt(513)];
                    random.nextBytes(value);

                    SourceRecord result = classify(value);

                    assertClassified(result);
                    assertAgreesWithReference(value, result);
                });
    }

    @Test
    void mutatedEventAgreesWithReference() {
        forEachCase(
                "mutated event",
                5000,
                random -> {
                    byte[] value = mutate(randomDocument(random).render(), random);

                    SourceRecord result = classify(value);

                    assertClassified(result);
                    assertAgreesWithReference(value, result);
                });
    }

    @Test
    void randomJsonIsClassified() {
        forEachCase(
                "random JSON",
                2000,
                random -> {
                    StringBuilder json = new StringBuilder();
                    EventDocument.appendRandomValue(random, json, 5);
                    byte[] value = json.toString().getBytes(StandardCharsets.UTF_8);

                    SourceRecord result = classify(value);

                    assertClassified(result);
                    assertAgreesWithReference(value, result);
                    if (json.charAt(0) != '{') {
                        assertThat(result.isValid()).as("valid: %s", json).isFalse();
                        assertThat(result.error).startsWith("value is not a JSON object");
                    }
                });
    }

    // ---------------------------------------------------------------- generators

    /**
     * Runs {@code check} {@code count} times, each with a {@code Random} of its own seed, and names
     * that seed when a case fails.
     */
    private static void forEachCase(String what, int count, Consumer<Random> check) {
        Random seeds = new Random(BASE_SEED ^ what.hashCode());
        for (int i = 0; i < count; i++) {
            long seed = seeds.nextLong();
            try {
                check.accept(new Random(seed));
            } catch (AssertionError e) {
                throw new AssertionError(
                        what
                                + " case "
                                + i
                                + " failed (base seed "
                                + BASE_SEED
                                + ", case seed "
                                + seed
                                + "): "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private static <T> T pick(Random random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    /**
     * Returns {@code json}, or a substitute where {@code json} is a right type for {@code field}.
     */
    private static String wrongFor(String field, String json) {
        switch (field) {
            case "id":
                // Any non-string is wrong for id.
                return json.startsWith("\"") ? "12" : json;
            case "value":
                // A number is right for value, so use a string instead.
                return json.startsWith("\"") || Character.isDigit(json.charAt(0))
                        ? "\"" + json.replace("\"", "") + "\""
                        : json;
            case "key":
                // Strings and integers are right for key.
                return json.startsWith("\"") || json.equals("42") ? "true" : json;
            default:
                // Integers and date-time strings are right for ts; "12" is no date-time.
                return json.equals("42") ? "true" : json;
        }
    }

    /** Returns a random valid event; see {@link #document}. */
    private static EventDocument randomDocument(Random random) {
        String id = contractText(random);
        long instant;
        switch (random.nextInt(10)) {
            case 0:
                instant = 0;
                break;
            case 1:
                instant = EventTimeParser.MAX_EXCLUSIVE - 1;
                break;
            default:
                instant = Math.floorMod(random.nextLong(), EventTimeParser.MAX_EXCLUSIVE);
        }
        Object key;
        switch (random.nextInt(3)) {
            case 0:
                key = contractText(random);
                break;
            case 1:
                key = random.nextLong();
                break;
            default:
                key = BigInteger.TEN.pow(18).add(new BigInteger(1 + random.nextInt(400), random));
        }
        Double value;
        switch (random.nextInt(6)) {
            case 0:
            case 1:
                value = null;
                break;
            case 2:
                double[] specials = {
                    0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 1e-300
                };
                value = specials[random.nextInt(specials.length)];
                break;
            case 3:
                value = (double) random.nextInt(100_000) - 50_000;
                break;
            default:
                value = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(30) - 10);
        }
        return document(id, instant, key, value, random.nextLong());
    }

    /** Id and key text: 1 to 40 code points, now and then exactly 1,024, any scalar value. */
    private static String contractText(Random random) {
        int length = random.nextInt(20) == 0 ? 1024 : 1 + random.nextInt(40);
        return EventDocument.randomText(random, length);
    }

    /** Builds an event whose members come in random order, with up to 5 extra members. */
    private static EventDocument document(
            String id, long instant, Object key, Double value, long seed) {
        Random random = new Random(seed);
        List<EventDocument.Member> members = new ArrayList<>();
        members.add(new EventDocument.Member("id", EventDocument.jsonString(random, id)));

        long expectedTimestamp;
        String tsJson;
        if (random.nextBoolean()) {
            expectedTimestamp = instant;
            tsJson = instant == 0 && random.nextBoolean() ? "-0" : Long.toString(instant);
        } else {
            long zoned = Math.min(Math.max(instant, 18 * 3_600_000L), MAX_ZONED_MILLIS);
            int fractionDigits = random.nextInt(10);
            long truncated = zoned - Math.floorMod(zoned, unitOfDigits(fractionDigits));
            expectedTimestamp = truncated;
            tsJson = "\"" + rfc3339(zoned, fractionDigits, random) + "\"";
        }
        members.add(new EventDocument.Member("ts", tsJson));

        String expectedKey;
        String keyJson;
        if (key instanceof String) {
            expectedKey = (String) key;
            keyJson = EventDocument.jsonString(random, expectedKey);
        } else {
            expectedKey = key.toString();
            keyJson = expectedKey;
            if (expectedKey.equals("0") && random.nextBoolean()) {
                keyJson = "-0";
            }
        }
        members.add(new EventDocument.Member("key", keyJson));

        if (value != null) {
            members.add(new EventDocument.Member("value", valueJson(value, random)));
        } else if (random.nextBoolean()) {
            members.add(new EventDocument.Member("value", "null"));
        }

        int extras = random.nextInt(6);
        for (int i = 0; i < extras; i++) {
            // A leading "x" and the index keep extra names apart from each other and the
            // contract's.
            String name = "x" + i + EventDocument.randomText(random, random.nextInt(6));
            StringBuilder json = new StringBuilder();
            EventDocument.appendRandomValue(random, json, 4);
            members.add(new EventDocument.Member(name, json.toString()));
        }
        Collections.shuffle(members, random);
        return new EventDocument(members, id, expectedTimestamp, expectedKey, value, seed);
    }

    /** Milliseconds that the given number of fraction digits cannot express below. */
    private static long unitOfDigits(int fractionDigits) {
        switch (fractionDigits) {
            case 0:
                return 1000;
            case 1:
                return 100;
            case 2:
                return 10;
            default:
                return 1;
        }
    }

    /** Writes {@code millis} as RFC 3339 with a random offset within ±18:00 and fraction digits. */
    private static String rfc3339(long millis, int fractionDigits, Random random) {
        int offsetMinutes = random.nextInt(18 * 60 * 2 + 1) - 18 * 60;
        if (random.nextInt(3) == 0) {
            offsetMinutes = 0;
        }
        if (millis + offsetMinutes * 60_000L >= EventTimeParser.MAX_EXCLUSIVE) {
            // Local time in year 10000 has no four-digit year, so RFC 3339 cannot write this
            // instant with a positive offset; the negative one can.
            offsetMinutes = -offsetMinutes;
        }
        java.time.LocalDateTime local =
                LocalDateTime.ofEpochSecond(
                        Math.floorDiv(millis, 1000),
                        (int) Math.floorMod(millis, 1000) * 1_000_000,
                        ZoneOffset.ofTotalSeconds(offsetMinutes * 60));
        StringBuilder text =
                new StringBuilder(
                        String.format(
                                "%04d-%02d-%02d%c%02d:%02d:%02d",
                                local.getYear(),
                                local.getMonthValue(),
                                local.getDayOfMonth(),
                                random.nextInt(4) == 0 ? 't' : 'T',
                                local.getHour(),
                                local.getMinute(),
                                local.getSecond()));
        if (fractionDigits > 0) {
            String millisText = String.format("%03d", Math.floorMod(millis, 1000));
            text.append('.');
            for (int i = 0; i < fractionDigits; i++) {
                text.append(i < 3 ? millisText.charAt(i) : (char) ('0' + random.nextInt(10)));
            }
        }
        if (offsetMinutes == 0 && random.nextBoolean()) {
            text.append(random.nextBoolean() ? 'Z' : 'z');
        } else {
            int absolute = Math.abs(offsetMinutes);
            text.append(
                    String.format(
                            "%c%02d:%02d",
                            offsetMinutes < 0 ? '-' : '+', absolute / 60, absolute % 60));
        }
        return text.toString();
    }

    /** Writes a finite double as a JSON number: Java's shortest form, or a plain integer. */
    private static String valueJson(double value, Random random) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15 && random.nextBoolean()) {
            if (!(value == 0 && 1 / value < 0)) {
                // Negative zero stays in the fraction form below, which keeps its sign.
                return Long.toString((long) value);
            }
        }
        return Double.toString(value);
    }

    // ---------------------------------------------------------------- checks

    /** Parses {@code value} and records the input count and the slowest time. */
    private static SourceRecord classify(byte[] value) {
        long start = System.nanoTime();
        SourceRecord result = PARSER.parse(new RawRecord(null, value, "events", 0, 0));
        long elapsed = System.nanoTime() - start;
        INPUTS.incrementAndGet();
        SLOWEST_NANOS.accumulateAndGet(elapsed, Math::max);
        return result;
    }

    private static void assertInvalid(SourceRecord result) {
        assertClassified(result);
        assertThat(result.isValid()).as("valid").isFalse();
    }

    private static void assertInvalid(SourceRecord result, Object input) {
        assertClassified(result);
        assertThat(result.isValid()).as("valid: %s", input).isFalse();
    }

    /** Valid, or invalid with a one-line cause; never failed (the parser threw). */
    private static void assertClassified(SourceRecord result) {
        assertThat(result.failed).as("failed: %s", result.error).isFalse();
        if (result.isValid()) {
            assertThat(result.error).as("error of a valid record").isNull();
            return;
        }
        assertThat(result.error).as("error").isNotBlank();
        assertThat(DeadLetter.oneLine(result.error)).as("dlq.error").doesNotContain("\n", "\r");
        assertThat(DeadLetter.oneLine(result.error).length())
                .as("dlq.error length")
                .isLessThanOrEqualTo(DeadLetter.MAX_ERROR_LENGTH + 3);
    }

    /**
     * Asserts that the parser rejects what the reference rejects, and that it reads the same id,
     * key and value as the reference from a record it accepts.
     */
    private static void assertAgreesWithReference(byte[] value, SourceRecord result) {
        JsonNode tree;
        try {
            tree = REFERENCE.readTree(value);
        } catch (IOException e) {
            assertThat(result.isValid())
                    .as(
                            "valid although the reference rejects it (%s): %s",
                            e.getMessage(), new String(value, StandardCharsets.UTF_8))
                    .isFalse();
            return;
        }
        if (!result.isValid()) {
            return;
        }
        assertThat(tree).as("reference tree").isNotNull();
        assertThat(tree.isObject()).as("reference sees an object").isTrue();
        assertThat(tree.get("id").textValue()).as("id").isEqualTo(result.event.id);
        JsonNode key = tree.get("key");
        assertThat(key.isTextual() ? key.textValue() : key.bigIntegerValue().toString())
                .as("key")
                .isEqualTo(result.event.key);
        JsonNode number = tree.get("value");
        if (number == null || number.isNull()) {
            assertThat(result.event.hasValue).as("has value").isFalse();
        } else {
            assertThat(result.event.value).as("value").isEqualTo(number.doubleValue());
        }
    }

    /** Applies one to three random byte edits: replace, insert, delete or duplicate a span. */
    private static byte[] mutate(byte[] value, Random random) {
        byte[] mutated = value;
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(mutated.length + 1);
            switch (random.nextInt(4)) {
                case 0:
                    if (at < mutated.length) {
                        mutated = mutated.clone();
                        mutated[at] = interestingByte(random);
                    }
                    break;
                case 1:
                    mutated =
                            concat(
                                    Arrays.copyOfRange(mutated, 0, at),
                                    new byte[] {interestingByte(random)},
                                    Arrays.copyOfRange(mutated, at, mutated.length));
                    break;
                case 2:
                    if (at < mutated.length) {
                        mutated =
                                concat(
                                        Arrays.copyOfRange(mutated, 0, at),
                                        Arrays.copyOfRange(mutated, at + 1, mutated.length));
                    }
                    break;
                default:
                    int end = Math.min(mutated.length, at + random.nextInt(8));
                    mutated =
                            concat(
                                    Arrays.copyOfRange(mutated, 0, end),
                                    Arrays.copyOfRange(mutated, at, mutated.length));
                    break;
            }
        }
        return mutated;
    }

    /** JSON punctuation, digits, white space, UTF-8 lead bytes or any byte, by chance. */
    private static byte interestingByte(Random random) {
        String punctuation = "{}[]\":,\\-+.eE0123456789 \t\n\rnultrfas";
        switch (random.nextInt(3)) {
            case 0:
                return (byte) punctuation.charAt(random.nextInt(punctuation.length()));
            case 1:
                return (byte) (0x80 + random.nextInt(0x80));
            default:
                return (byte) random.nextInt(256);
        }
    }

    private static int lastIndexOf(byte[] bytes, byte target) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == target) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + (char) target + " in the value");
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] joined = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, joined, at, part.length);
            at += part.length;
        }
        return joined;
    }
}
