package dev.eventpipeline.parse;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.testing.ContractCase;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class EventParserTest {

    private static final EventParser PARSER = new EventParser(FieldNames.DEFAULT);

    /** A valid event around the given fields, e.g. {@code event("\"ts\":0")}. */
    private static String withTs(String ts) {
        return "{\"id\":\"a\",\"ts\":" + ts + ",\"key\":\"k\",\"value\":1}";
    }

    private static String withKey(String key) {
        return "{\"id\":\"a\",\"ts\":0,\"key\":" + key + "}";
    }

    private static String withId(String id) {
        return "{\"id\":" + id + ",\"ts\":0,\"key\":\"k\"}";
    }

    private static String withValue(String value) {
        return "{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"value\":" + value + "}";
    }

    private static String nested(int levels) {
        // The top-level object is level 1; "x" nests the remaining levels.
        StringBuilder json = new StringBuilder("{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"x\":");
        for (int i = 1; i < levels; i++) {
            json.append(i % 2 == 0 ? "{\"y\":" : "[");
        }
        json.append("0");
        for (int i = levels - 1; i >= 1; i--) {
            json.append(i % 2 == 0 ? "}" : "]");
        }
        return json.append("}").toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
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

    private static byte[] withRawId(int... idBytes) {
        byte[] middle = new byte[idBytes.length];
        for (int i = 0; i < idBytes.length; i++) {
            middle[i] = (byte) idBytes[i];
        }
        return concat(utf8("{\"id\":\""), middle, utf8("\",\"ts\":0,\"key\":\"k\"}"));
    }

    static Stream<Arguments> invalidRecords() {
        return Stream.of(
                Arguments.of("tombstone", null),
                Arguments.of("empty value", new byte[0]),
                Arguments.of(
                        "byte order mark",
                        concat(
                                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                                utf8(withTs("0")))),
                Arguments.of("bad UTF-8 continuation", withRawId(0xC3, 0x28)),
                Arguments.of("overlong slash", withRawId(0xC0, 0xAF)),
                Arguments.of("overlong three-byte", withRawId(0xE0, 0x80, 0xAF)),
                Arguments.of("encoded surrogate", withRawId(0xED, 0xA0, 0x80)),
                Arguments.of("beyond U+10FFFF", withRawId(0xF4, 0x90, 0x80, 0x80)),
                Arguments.of("truncated sequence", withRawId(0xE2, 0x82)),
                Arguments.of("not JSON", utf8("not json")),
                Arguments.of("array", utf8("[" + withTs("0") + "]")),
                Arguments.of("string", utf8("\"s\"")),
                Arguments.of("number", utf8("42")),
                Arguments.of("null literal", utf8("null")),
                Arguments.of("trailing object", utf8(withTs("0") + " {}")),
                Arguments.of("trailing garbage", utf8(withTs("0") + "x")),
                Arguments.of("trailing NUL", concat(utf8(withTs("0")), new byte[] {0})),
                Arguments.of("leading form feed", utf8("\f" + withTs("0"))),
                Arguments.of("leading no-break space", utf8("\u00a0" + withTs("0"))),
                Arguments.of("trailing comma", utf8("{\"id\":\"a\",\"ts\":0,\"key\":\"k\",}")),
                Arguments.of("single quotes", utf8("{'id':'a','ts':0,'key':'k'}")),
                Arguments.of("comment", utf8("/* c */" + withTs("0"))),
                Arguments.of("unterminated", utf8("{\"id\":\"a\",\"ts\":0,\"key\":\"k\"")),
                Arguments.of(
                        "repeated top-level name",
                        utf8("{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"id\":\"a\"}")),
                Arguments.of(
                        "repeated nested name",
                        utf8("{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"x\":{\"y\":1,\"y\":2}}")),
                Arguments.of("nesting 101 levels", utf8(nested(101))),
                Arguments.of("number of 1001 characters", utf8(withValue("1" + "0".repeat(1000)))),
                Arguments.of(
                        "negative number of 1001 characters",
                        utf8(withValue("-" + "1".repeat(1000)))),
                Arguments.of(
                        "long number in ignored field",
                        utf8(
                                "{\"id\":\"a\",\"ts\":0,\"key\":\"k\",\"x\":["
                                        + "9".repeat(1001)
                                        + "]}")),
                Arguments.of("NaN", utf8(withValue("NaN"))),
                Arguments.of("Infinity", utf8(withValue("-Infinity"))),
                Arguments.of("value 1e400", utf8(withValue("1e400"))),
                Arguments.of("value as string", utf8(withValue("\"12\""))),
                Arguments.of("value true", utf8(withValue("true"))),
                Arguments.of("value object", utf8(withValue("{\"v\":1}"))),
                Arguments.of("value leading plus", utf8(withValue("+1"))),
                Arguments.of("value leading zero", utf8(withValue("01"))),
                Arguments.of("id missing", utf8("{\"ts\":0,\"key\":\"k\"}")),
                Arguments.of("id null", utf8(withId("null"))),
                Arguments.of("id empty", utf8(withId("\"\""))),
                Arguments.of("id number", utf8(withId("7"))),
                Arguments.of("id unpaired high surrogate", utf8(withId("\"a\\ud800\""))),
                Arguments.of("id unpaired low surrogate", utf8(withId("\"\\udc00a\""))),
                Arguments.of(
                        "id of 1025 code points", utf8(withId("\"" + "😀".repeat(1025) + "\""))),
                Arguments.of("key missing", utf8("{\"id\":\"a\",\"ts\":0}")),
                Arguments.of("key null", utf8(withKey("null"))),
                Arguments.of("key empty", utf8(withKey("\"\""))),
                Arguments.of("key 4.0", utf8(withKey("4.0"))),
                Arguments.of("key 1e3", utf8(withKey("1e3"))),
                Arguments.of("key true", utf8(withKey("true"))),
                Arguments.of("key unpaired surrogate", utf8(withKey("\"\\udbff\""))),
                Arguments.of(
                        "key of 1025 code points", utf8(withKey("\"" + "é".repeat(1025) + "\""))),
                Arguments.of("ts missing", utf8("{\"id\":\"a\",\"key\":\"k\"}")),
                Arguments.of("ts null", utf8(withTs("null"))),
                Arguments.of("ts before 1970", utf8(withTs("\"1969-12-31T23:59:59.999Z\""))),
                Arguments.of(
                        "ts before 1970 by offset", utf8(withTs("\"1970-01-01T00:30:00+01:00\""))),
                Arguments.of("ts negative epoch", utf8(withTs("-1"))),
                Arguments.of("ts epoch at year 10000", utf8(withTs("253402300800000"))),
                Arguments.of(
                        "ts year 10000 by offset", utf8(withTs("\"9999-12-31T23:59:59-00:01\""))),
                Arguments.of("ts huge integer", utf8(withTs("123456789012345678901234567890"))),
                Arguments.of("ts no zone", utf8(withTs("\"2026-12-04T10:00:17\""))),
                Arguments.of("ts no seconds", utf8(withTs("\"2026-12-04T10:00Z\""))),
                Arguments.of("ts hour 24", utf8(withTs("\"2026-12-04T24:00:00Z\""))),
                Arguments.of("ts second 60", utf8(withTs("\"2016-12-31T23:59:60Z\""))),
                Arguments.of("ts minute 60", utf8(withTs("\"2026-12-04T10:60:00Z\""))),
                Arguments.of("ts Feb 30", utf8(withTs("\"2024-02-30T00:00:00Z\""))),
                Arguments.of("ts Feb 29 2025", utf8(withTs("\"2025-02-29T00:00:00Z\""))),
                Arguments.of("ts Feb 29 1900", utf8(withTs("\"1900-02-29T00:00:00Z\""))),
                Arguments.of("ts month 13", utf8(withTs("\"2026-13-01T00:00:00Z\""))),
                Arguments.of("ts offset +25:00", utf8(withTs("\"2026-12-04T10:00:00+25:00\""))),
                Arguments.of("ts offset +18:01", utf8(withTs("\"2026-12-04T10:00:00+18:01\""))),
                Arguments.of(
                        "ts offset without colon", utf8(withTs("\"2026-12-04T10:00:00+0100\""))),
                Arguments.of("ts empty fraction", utf8(withTs("\"2026-12-04T10:00:00.Z\""))),
                Arguments.of("ts space separator", utf8(withTs("\"2026-12-04 10:00:00Z\""))),
                Arguments.of("ts date only", utf8(withTs("\"2026-12-04\""))),
                Arguments.of("ts digit string", utf8(withTs("\"1796378519999\""))),
                Arguments.of("ts with fraction", utf8(withTs("1796378519999.5"))),
                Arguments.of("ts with exponent", utf8(withTs("1.7e12"))),
                Arguments.of("ts with .0", utf8(withTs("1796378519999.0"))),
                Arguments.of("ts boolean", utf8(withTs("true"))),
                Arguments.of("ts two-digit year", utf8(withTs("\"26-12-04T10:00:00Z\""))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRecords")
    void rejectsInvalidRecord(String description, byte[] value) {
        SourceRecord result = PARSER.parse(new RawRecord(null, value, "events", 0, 7));

        assertThat(result.isValid()).as("valid").isFalse();
        assertThat(result.failed).as("failed").isFalse();
        assertThat(result.error).as("error").isNotBlank().doesNotContain("\n");
    }

    static Stream<Arguments> timestamps() {
        return Stream.of(
                Arguments.of("\"2026-12-04T10:15:30.250Z\"", 1_796_379_330_250L),
                Arguments.of("\"2026-12-04T11:15:30.250+01:00\"", 1_796_379_330_250L),
                Arguments.of("\"2026-12-04t10:15:30.250z\"", 1_796_379_330_250L),
                Arguments.of("\"2026-12-04T10:15:30Z\"", 1_796_379_330_000L),
                Arguments.of("\"2026-12-04T10:15:30.2Z\"", 1_796_379_330_200L),
                Arguments.of("\"2026-12-04T10:15:30.123456789Z\"", 1_796_379_330_123L),
                Arguments.of("\"2026-12-04T10:15:30.999999999999Z\"", 1_796_379_330_999L),
                Arguments.of("\"2026-12-04T10:15:30-00:00\"", 1_796_379_330_000L),
                Arguments.of("\"2026-12-05T04:15:30+18:00\"", 1_796_379_330_000L),
                Arguments.of("\"2026-12-03T16:15:30-18:00\"", 1_796_379_330_000L),
                Arguments.of("\"1970-01-01T00:00:00Z\"", 0L),
                Arguments.of("\"2024-02-29T12:00:00Z\"", 1_709_208_000_000L),
                Arguments.of("\"2000-02-29T00:00:00Z\"", 951_782_400_000L),
                Arguments.of("\"9999-12-31T23:59:59.999Z\"", 253_402_300_799_999L),
                Arguments.of("0", 0L),
                Arguments.of("-0", 0L),
                Arguments.of("1796378519999", 1_796_378_519_999L),
                Arguments.of("253402300799999", 253_402_300_799_999L));
    }

    @ParameterizedTest(name = "ts {0}")
    @MethodSource("timestamps")
    void parsesTimestamp(String ts, long expectedMillis) {
        SourceRecord result = PARSER.parse(new RawRecord(null, utf8(withTs(ts)), "events", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.timestamp).isEqualTo(expectedMillis);
    }

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of("\"sensor-a\"", "sensor-a"),
                Arguments.of("7", "7"),
                Arguments.of("-0", "0"),
                Arguments.of("-12", "-12"),
                Arguments.of("123456789012345678901234567890", "123456789012345678901234567890"),
                Arguments.of("\" \"", " "),
                Arguments.of("\"温度计\"", "温度计"),
                Arguments.of("\"\\ud83d\\ude00\"", "😀"),
                Arguments.of("\"" + "é".repeat(1024) + "\"", "é".repeat(1024)),
                Arguments.of("\"" + "😀".repeat(1024) + "\"", "😀".repeat(1024)));
    }

    @ParameterizedTest(name = "key {0}")
    @MethodSource("keys")
    void readsKey(String key, String expected) {
        SourceRecord result = PARSER.parse(new RawRecord(null, utf8(withKey(key)), "events", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.key).isEqualTo(expected);
    }

    @Test
    void acceptsIdOf1024CodePoints() {
        String id = "😀".repeat(1024);
        SourceRecord result =
                PARSER.parse(new RawRecord(null, utf8(withId("\"" + id + "\"")), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.id).isEqualTo(id);
    }

    @Test
    void valueNullCountsWithoutFigures() {
        SourceRecord result = PARSER.parse(new RawRecord(null, utf8(withValue("null")), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.hasValue).isFalse();
    }

    @Test
    void valueMissingCountsWithoutFigures() {
        SourceRecord result =
                PARSER.parse(
                        new RawRecord(
                                null, utf8("{\"id\":\"a\",\"ts\":0,\"key\":\"k\"}"), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.hasValue).isFalse();
    }

    static Stream<Arguments> values() {
        return Stream.of(
                Arguments.of("1", 1.0),
                Arguments.of("-2.5", -2.5),
                Arguments.of("1e3", 1000.0),
                Arguments.of("1.7976931348623157e308", Double.MAX_VALUE),
                Arguments.of("1" + "0".repeat(300), 1e300),
                Arguments.of("4.9e-324", Double.MIN_VALUE),
                Arguments.of("1e-400", 0.0),
                Arguments.of("-0", -0.0));
    }

    @ParameterizedTest(name = "value {0}")
    @MethodSource("values")
    void readsValue(String value, double expected) {
        SourceRecord result = PARSER.parse(new RawRecord(null, utf8(withValue(value)), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.hasValue).isTrue();
        assertThat(result.event.value).isEqualTo(expected);
    }

    @Test
    void acceptsNesting100LevelsAndJsonWhitespace() {
        SourceRecord deep = PARSER.parse(new RawRecord(null, utf8(nested(100)), "e", 0, 0));
        SourceRecord spaced =
                PARSER.parse(
                        new RawRecord(null, utf8(" \t\r\n" + withTs("0") + "\n\r\t "), "e", 0, 0));

        assertThat(deep.error).isNull();
        assertThat(spaced.error).isNull();
    }

    @Test
    void acceptsNumberOf1000CharactersAndIgnoresExtraFields() {
        String json =
                "{\"unit\":\"C\",\"id\":\"a\",\"n\":[1,{\"z\":null}],\"ts\":0,\"key\":\"k\",\"big\":-"
                        + "9".repeat(999)
                        + "}";
        SourceRecord result = PARSER.parse(new RawRecord(null, utf8(json), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.id).isEqualTo("a");
    }

    @Test
    void keepsRawRecordOnInvalidAndValid() {
        RawRecord raw = new RawRecord(utf8("k"), utf8("nope"), "events", 3, 42);

        SourceRecord result = PARSER.parse(raw);

        assertThat(result.raw).isSameAs(raw);
    }

    @Test
    void renamedFieldsAreRead() {
        EventParser renamed =
                new EventParser(new FieldNames("eventId", "time", "sensor", "reading"));
        String json = "{\"eventId\":\"e1\",\"time\":5,\"sensor\":\"s\",\"reading\":2.5}";

        SourceRecord result = renamed.parse(new RawRecord(null, utf8(json), "e", 0, 0));

        assertThat(result.error).isNull();
        assertThat(result.event.id).isEqualTo("e1");
        assertThat(result.event.timestamp).isEqualTo(5);
        assertThat(result.event.key).isEqualTo("s");
        assertThat(result.event.value).isEqualTo(2.5);
    }

    @Test
    void exampleCasesClassifyInvalidRecordsAsExpected() {
        for (String name : ContractCase.NAMES) {
            ContractCase contractCase = ContractCase.load(name);
            Set<String> expectedInvalid = new HashSet<>();
            contractCase.expectedDeadLetters.stream()
                    .filter(letter -> "invalid".equals(letter.headers.get("dlq.reason")))
                    .forEach(
                            letter ->
                                    expectedInvalid.add(
                                            letter.headers.get("dlq.partition")
                                                    + "/"
                                                    + letter.headers.get("dlq.offset")));
            Set<String> actualInvalid = new HashSet<>();
            for (ContractCase.InputRecord record : contractCase.input) {
                SourceRecord result =
                        PARSER.parse(
                                new RawRecord(
                                        record.key,
                                        record.value,
                                        "events",
                                        record.partition,
                                        record.offset));
                if (!result.isValid()) {
                    actualInvalid.add(record.partition + "/" + record.offset);
                }
            }
            assertThat(actualInvalid).as(name).isEqualTo(expectedInvalid);
        }
    }
}
