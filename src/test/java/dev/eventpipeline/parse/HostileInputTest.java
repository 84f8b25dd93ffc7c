package dev.eventpipeline.parse;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records built to hurt a parser: deep nesting, megabyte strings and names, 100,000 members,
 * numbers with 10,000 digits. Each must be classified as the data contract defines, with a one-line
 * cause, and within {@link #timeBoundMillis}: 2 s plus 1 s per MiB of value. The bound is 8 or more
 * times the measured times (printed per case, at most about 0.3 s per MiB), so it fails only when
 * the cost stops being linear in the size, not when a machine is busy.
 */
class HostileInputTest {

    private static final EventParser PARSER = new EventParser(FieldNames.DEFAULT);
    private static final int MIB = 1024 * 1024;
    private static final String PREFIX = "{\"id\":\"a\",\"ts\":0,\"key\":\"k\"";
    private static final List<String> TIMINGS = new ArrayList<>();

    @AfterAll
    static void printTimings() {
        System.out.println("HostileInputTest timings:\n  " + String.join("\n  ", TIMINGS));
    }

    /** Time bound for a value of {@code bytes}: 2 s plus 1 s per MiB, cold JIT included. */
    static long timeBoundMillis(int bytes) {
        return 2000 + 1000L * bytes / MIB;
    }

    static Stream<Arguments> invalidRecords() {
        return Stream.of(
                invalid("10,000 nested arrays", () -> repeat("[", 10_000) + repeat("]", 10_000)),
                invalid(
                        "10,000 nested objects",
                        () -> repeat("{\"a\":", 10_000) + "1" + repeat("}", 10_000)),
                invalid(
                        "10,000 levels in an ignored member",
                        () -> PREFIX + ",\"x\":" + repeat("[", 10_000) + repeat("]", 10_000) + "}"),
                invalid(
                        "10,000 levels in value",
                        () ->
                                PREFIX
                                        + ",\"value\":"
                                        + repeat("{\"v\":", 10_000)
                                        + "1"
                                        + repeat("}", 10_000)
                                        + "}"),
                invalid("10,000 unclosed levels", () -> PREFIX + ",\"x\":" + repeat("[", 10_000)),
                invalid(
                        "101 levels",
                        () -> PREFIX + ",\"x\":" + repeat("[", 100) + repeat("]", 100) + "}"),
                invalid(
                        "5 MB id",
                        () -> "{\"id\":\"" + repeat("i", 5_000_000) + "\",\"ts\":0,\"key\":\"k\"}"),
                invalid(
                        "5 MB key",
                        () -> "{\"id\":\"a\",\"ts\":0,\"key\":\"" + repeat("k", 5_000_000) + "\"}"),
                invalid(
                        "5 MB ts",
                        () ->
                                "{\"id\":\"a\",\"key\":\"k\",\"ts\":\"2026-13-04T10:15:30"
                                        + repeat("0", 5_000_000)
                                        + "Z\"}"),
                invalid(
                        "5 MB of escapes in id",
                        () ->
                                "{\"id\":\""
                                        + repeat("\\u0041", 1_000_000)
                                        + "\",\"ts\":0,\"key\":\"k\"}"),
                invalid(
                        "5 MB unterminated string",
                        () -> PREFIX + ",\"x\":\"" + repeat("s", 5_000_000)),
                invalid(
                        "100,000 members and a repeated name",
                        () -> manyMembers(100_000) + ",\"m0\":0}"),
                invalid(
                        "10,000-digit value",
                        () -> PREFIX + ",\"value\":" + repeat("9", 10_000) + "}"),
                invalid(
                        "10,000-digit key",
                        () -> "{\"id\":\"a\",\"ts\":0,\"key\":" + repeat("7", 10_000) + "}"),
                invalid(
                        "10,000-digit ts",
                        () -> "{\"id\":\"a\",\"key\":\"k\",\"ts\":" + repeat("1", 10_000) + "}"),
                invalid(
                        "10,000-digit fraction",
                        () -> PREFIX + ",\"value\":0." + repeat("3", 10_000) + "}"),
                invalid(
                        "10,000-digit exponent",
                        () -> PREFIX + ",\"value\":1e" + repeat("1", 10_000) + "}"),
                invalid(
                        "10,000-digit number in an ignored array",
                        () -> PREFIX + ",\"x\":[1,2," + repeat("5", 10_000) + "]}"),
                invalid(
                        "1,000-digit key with a sign",
                        () -> "{\"id\":\"a\",\"ts\":0,\"key\":-" + repeat("7", 1000) + "}"),
                invalid("exponent far out of range", () -> PREFIX + ",\"value\":1e999999999}"),
                invalid(
                        "escape with a non-ASCII hex look-alike",
                        () -> "{\"id\":\"\\u0a0\u0e37\",\"ts\":0,\"key\":\"k\"}"),
                invalid(
                        "escape with a non-ASCII hex look-alike in an ignored member",
                        () -> PREFIX + ",\"x\":\"\\u0a0\u0141\"}"),
                invalid(
                        "1,000,000 empty arrays then garbage",
                        () -> PREFIX + ",\"x\":[" + repeat("[],", 1_000_000) + "[]" + "}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRecords")
    void hostileRecordIsInvalid(String description, Supplier<byte[]> input) {
        byte[] value = input.get();

        SourceRecord result = classifyTimed(description, value);

        assertThat(result.failed).as("failed: %s", result.error).isFalse();
        assertThat(result.isValid()).as("valid").isFalse();
        String header = DeadLetter.oneLine(result.error);
        assertThat(header).as("dlq.error").isNotBlank().doesNotContain("\n", "\r");
        assertThat(header.length()).as("dlq.error length").isLessThanOrEqualTo(503);
    }

    static Stream<Arguments> validRecords() {
        return Stream.of(
                valid(
                        "100 levels",
                        () -> PREFIX + ",\"x\":" + repeat("[", 99) + repeat("]", 99) + "}"),
                valid(
                        "5 MB string in an ignored member",
                        () -> PREFIX + ",\"x\":\"" + repeat("s", 5_000_000) + "\"}"),
                valid(
                        "5 MB of multi-byte text in an ignored member",
                        () ->
                                PREFIX
                                        + ",\"x\":\""
                                        + repeat("\u00e9\u6e29\ud83d\ude00", 500_000)
                                        + "\"}"),
                valid("5 MB member name", () -> PREFIX + ",\"" + repeat("n", 5_000_000) + "\":1}"),
                valid(
                        "5 MB of white space around the object",
                        () -> repeat(" \t\r\n", 625_000) + PREFIX + "}" + repeat("\n ", 1_250_000)),
                valid("100,000 members", () -> manyMembers(100_000) + "}"),
                valid(
                        "1,000,000 empty arrays",
                        () -> PREFIX + ",\"x\":[" + repeat("[],", 1_000_000) + "[]]}"),
                valid(
                        "1,000-digit key",
                        () -> "{\"id\":\"a\",\"ts\":0,\"key\":" + repeat("7", 1000) + "}"),
                valid(
                        "1,000-character value",
                        () -> PREFIX + ",\"value\":0." + repeat("3", 998) + "}"),
                valid(
                        "id of 1,024 emoji",
                        () ->
                                "{\"id\":\""
                                        + repeat("\ud83d\ude00", 1024)
                                        + "\",\"ts\":0,\"key\":\"k\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validRecords")
    void largeRecordIsValid(String description, Supplier<byte[]> input) {
        byte[] value = input.get();

        SourceRecord result = classifyTimed(description, value);

        assertThat(result.error).as("error").isNull();
        assertThat(result.event.id).isNotEmpty();
    }

    @Test
    void thousandDigitKeyKeepsItsDigits() {
        String digits = "1" + repeat("0", 999);
        byte[] value = utf8("{\"id\":\"a\",\"ts\":0,\"key\":" + digits + "}");

        SourceRecord result = classifyTimed("1,000-digit key text", value);

        assertThat(result.event.key).isEqualTo(digits);
    }

    @Test
    void longTimestampIsQuotedShortInTheCause() {
        byte[] value =
                utf8(
                        "{\"id\":\"a\",\"key\":\"k\",\"ts\":\"2026-13-04T10:15:30"
                                + repeat("0", 100_000)
                                + "\\nZ\"}");

        SourceRecord result = classifyTimed("100 kB ts with a line break", value);

        assertThat(result.error).contains("has no such calendar date").contains("100021 chars");
        assertThat(result.error.length()).isLessThan(200);
    }

    // ---------------------------------------------------------------- helpers

    private static SourceRecord classifyTimed(String description, byte[] value) {
        long start = System.nanoTime();
        SourceRecord result = PARSER.parse(new RawRecord(null, value, "events", 0, 0));
        long millis = (System.nanoTime() - start) / 1_000_000;
        long bound = timeBoundMillis(value.length);
        TIMINGS.add(
                String.format(
                        "%-62s %,11d bytes %5d ms (bound %d ms)",
                        description, value.length, millis, bound));
        assertThat(millis).as("%s: parse time in ms", description).isLessThanOrEqualTo(bound);
        return result;
    }

    private static Arguments invalid(String description, Supplier<String> json) {
        return Arguments.of(description, (Supplier<byte[]>) () -> utf8(json.get()));
    }

    private static Arguments valid(String description, Supplier<String> json) {
        return invalid(description, json);
    }

    /**
     * A valid event with {@code count} extra members {@code m0} to {@code m<count-1>}, unclosed.
     */
    private static String manyMembers(int count) {
        StringBuilder json = new StringBuilder(PREFIX);
        for (int i = 0; i < count; i++) {
            json.append(",\"m").append(i).append("\":").append(i);
        }
        return json.toString();
    }

    private static String repeat(String text, int times) {
        return text.repeat(times);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
