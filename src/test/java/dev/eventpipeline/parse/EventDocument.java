package dev.eventpipeline.parse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated input event as a list of JSON members, with the figures a contract-conforming parser
 * must read from it. Members can be dropped, repeated or replaced to derive invalid records, and
 * {@link #render} writes the text with random JSON white space and random escapes, all drawn from
 * the document's own seed so that a failing case replays exactly.
 */
final class EventDocument {

    /** One member of the top-level object: its name (unescaped) and its value as JSON text. */
    static final class Member {
        final String name;
        final String json;

        Member(String name, String json) {
            this.name = name;
            this.json = json;
        }
    }

    final List<Member> members;
    final String expectedId;
    final long expectedTimestamp;
    final String expectedKey;
    final Double expectedValue;
    final long seed;

    EventDocument(
            List<Member> members,
            String expectedId,
            long expectedTimestamp,
            String expectedKey,
            Double expectedValue,
            long seed) {
        this.members = List.copyOf(members);
        this.expectedId = expectedId;
        this.expectedTimestamp = expectedTimestamp;
        this.expectedKey = expectedKey;
        this.expectedValue = expectedValue;
        this.seed = seed;
    }

    /** Returns a copy without the members named {@code name}. */
    EventDocument without(String name) {
        List<Member> kept = new ArrayList<>();
        for (Member member : members) {
            if (!member.name.equals(name)) {
                kept.add(member);
            }
        }
        return withMembers(kept);
    }

    /** Returns a copy in which the value of every member named {@code name} is {@code json}. */
    EventDocument replacing(String name, String json) {
        List<Member> replaced = new ArrayList<>();
        for (Member member : members) {
            replaced.add(member.name.equals(name) ? new Member(name, json) : member);
        }
        return withMembers(replaced);
    }

    /** Returns a copy with one more member at a random place. */
    EventDocument adding(String name, String json) {
        List<Member> extended = new ArrayList<>(members);
        extended.add(new Random(seed).nextInt(members.size() + 1), new Member(name, json));
        return withMembers(extended);
    }

    /** Returns a copy with member {@code index} written a second time, at the end. */
    EventDocument repeating(int index) {
        List<Member> repeated = new ArrayList<>(members);
        Member member = members.get(index);
        repeated.add(new Member(member.name, member.json));
        return withMembers(repeated);
    }

    private EventDocument withMembers(List<Member> replaced) {
        return new EventDocument(
                replaced, expectedId, expectedTimestamp, expectedKey, expectedValue, seed);
    }

    /** Writes the object as UTF-8, with white space and escapes chosen by the seed. */
    byte[] render() {
        Random random = new Random(seed);
        StringBuilder json = new StringBuilder();
        whitespace(random, json);
        json.append('{');
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            whitespace(random, json);
            appendString(random, json, members.get(i).name);
            whitespace(random, json);
            json.append(':');
            whitespace(random, json);
            json.append(members.get(i).json);
            whitespace(random, json);
        }
        json.append('}');
        whitespace(random, json);
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return new String(render(), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- JSON text helpers

    /** Appends zero to three characters of JSON white space (space, tab, LF, CR). */
    static void whitespace(Random random, StringBuilder out) {
        int count = random.nextInt(6) - 2;
        for (int i = 0; i < count; i++) {
            out.append(" \t\n\r".charAt(random.nextInt(4)));
        }
    }

    /**
     * Appends {@code text} as a JSON string. Quotes, backslashes and control characters are always
     * escaped; any other character is written raw or, at random, as a {@code \}{@code uXXXX} escape
     * (a surrogate pair of escapes for a supplementary character).
     */
    static void appendString(Random random, StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length();
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n' && random.nextBoolean()) {
                out.append("\\n");
            } else if (c < 0x20 || random.nextInt(8) == 0) {
                out.append(String.format("\\u%04x", (int) c));
                if (pair) {
                    out.append(String.format("\\u%04x", (int) text.charAt(++i)));
                }
            } else if (pair) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    /** Returns {@code text} as a JSON string, escapes drawn from {@code random}. */
    static String jsonString(Random random, String text) {
        StringBuilder out = new StringBuilder();
        appendString(random, out, text);
        return out.toString();
    }

    /**
     * Appends a random JSON value of at most {@code depth} more levels: literals, numbers, strings,
     * arrays and objects with distinct member names.
     */
    static void appendRandomValue(Random random, StringBuilder out, int depth) {
        int kind = random.nextInt(depth > 0 ? 8 : 6);
        switch (kind) {
            case 0:
                out.append("null");
                break;
            case 1:
                out.append(random.nextBoolean() ? "true" : "false");
                break;
            case 2:
                out.append(random.nextLong());
                break;
            case 3:
                out.append(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
                break;
            case 4:
            case 5:
                appendString(random, out, randomText(random, random.nextInt(12)));
                break;
            case 6:
                out.append('[');
                int items = random.nextInt(4);
                for (int i = 0; i < items; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    whitespace(random, out);
                    appendRandomValue(random, out, depth - 1);
                }
                out.append(']');
                break;
            default:
                out.append('{');
                int fields = random.nextInt(4);
                for (int i = 0; i < fields; i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    // The index keeps names distinct within this object.
                    appendString(random, out, "m" + i + randomText(random, random.nextInt(4)));
                    out.append(':');
                    appendRandomValue(random, out, depth - 1);
                }
                out.append('}');
                break;
        }
    }

    /**
     * Returns random text of {@code codePoints} code points, mostly ASCII, never a lone surrogate.
     */
    static String randomText(Random random, int codePoints) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            text.appendCodePoint(randomCodePoint(random));
        }
        return text.toString();
    }

    /** Returns a Unicode scalar value: ASCII, Latin, CJK, an emoji or any plane, by chance. */
    static int randomCodePoint(Random random) {
        switch (random.nextInt(6)) {
            case 0:
            case 1:
            case 2:
                return 0x20 + random.nextInt(0x5F);
            case 3:
                return 0xA0 + random.nextInt(0x2000);
            case 4:
                return 0x1F300 + random.nextInt(0x300);
            default:
                int codePoint;
                do {
                    codePoint = random.nextInt(0x110000);
                } while (codePoint >= Character.MIN_SURROGATE
                        && codePoint <= Character.MAX_SURROGATE);
                return codePoint;
        }
    }
}
