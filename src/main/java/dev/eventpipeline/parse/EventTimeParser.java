package dev.eventpipeline.parse;

/**
 * Parses the contract's event-time forms into epoch milliseconds: an RFC 3339 date-time with
 * seconds and a zone ({@code Z}, {@code z} or an offset within ±18:00, any number of fraction
 * digits, those below the millisecond truncated), or epoch milliseconds. Both must lie in
 * [1970-01-01T00:00:00Z, 10000-01-01T00:00:00Z).
 *
 * <p>Written by hand rather than with {@code java.time} because the formatter there accepts forms
 * RFC 3339 does not (hour 24 with resolver styles, missing seconds) and costs an allocation-heavy
 * parse per record.
 */
public final class EventTimeParser {

    /** Exclusive upper bound: 10000-01-01T00:00:00Z. */
    public static final long MAX_EXCLUSIVE = 253_402_300_800_000L;

    /** The syntax, for error messages. */
    public static final String SYNTAX = "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm)";

    /**
     * Longest ts text quoted in an error message; any valid date-time with 9 fraction digits fits.
     */
    static final int MAX_QUOTED_LENGTH = 64;

    private EventTimeParser() {}

    /** Thrown for text that is not an instant in range; the message is one line. */
    public static final class InvalidTimestampException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTimestampException(String message) {
            super(message, null, false, false);
        }
    }

    /** Checks that epoch milliseconds lie in the allowed range. */
    public static long checkEpochMillis(long millis) throws InvalidTimestampException {
        if (millis < 0 || millis >= MAX_EXCLUSIVE) {
            throw new InvalidTimestampException(
                    "ts " + millis + " is outside [1970-01-01T00:00:00Z, 10000-01-01T00:00:00Z)");
        }
        return millis;
    }

    /** Parses an RFC 3339 date-time string into epoch milliseconds. */
    public static long parseRfc3339(String text) throws InvalidTimestampException {
        int length = text.length();
        // Shortest form: 2026-12-04T10:15:30Z (20 characters).
        if (length < 20
                || text.charAt(4) != '-'
                || text.charAt(7) != '-'
                || (text.charAt(10) != 'T' && text.charAt(10) != 't')
                || text.charAt(13) != ':'
                || text.charAt(16) != ':') {
            throw notRfc3339();
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
            throw new InvalidTimestampException(
                    "ts " + quoted(text) + " has no such calendar date");
        }
        if (hour > 23 || minute > 59 || second > 59) {
            throw new InvalidTimestampException("ts " + quoted(text) + " has no such time of day");
        }
        int position = 19;
        int millis = 0;
        if (position < length && text.charAt(position) == '.') {
            int start = ++position;
            while (position < length && isDigit(text.charAt(position))) {
                if (position - start < 3) {
                    millis = millis * 10 + (text.charAt(position) - '0');
                }
                position++;
            }
            int fractionDigits = position - start;
            if (fractionDigits == 0) {
                throw notRfc3339();
            }
            for (int i = fractionDigits; i < 3; i++) {
                millis *= 10;
            }
        }
        if (position >= length) {
            throw notRfc3339();
        }
        int offsetMinutes;
        char zone = text.charAt(position);
        if (zone == 'Z' || zone == 'z') {
            offsetMinutes = 0;
            position++;
        } else if (zone == '+' || zone == '-') {
            if (position + 6 != length || text.charAt(position + 3) != ':') {
                throw notRfc3339();
            }
            int offsetHours = digits(text, position + 1, 2);
            int offsetMinute = digits(text, position + 4, 2);
            if (offsetMinute > 59 || offsetHours * 60 + offsetMinute > 18 * 60) {
                throw new InvalidTimestampException(
                        "ts " + quoted(text) + " has a zone offset outside ±18:00");
            }
            offsetMinutes = (zone == '-' ? -1 : 1) * (offsetHours * 60 + offsetMinute);
            position += 6;
        } else {
            throw notRfc3339();
        }
        if (position != length) {
            throw notRfc3339();
        }
        long epochDay = epochDay(year, month, day);
        long epochMillis =
                ((epochDay * 24 + hour) * 60 + minute - offsetMinutes) * 60_000L
                        + second * 1000L
                        + millis;
        if (epochMillis < 0 || epochMillis >= MAX_EXCLUSIVE) {
            throw new InvalidTimestampException(
                    "ts "
                            + quoted(text)
                            + " is outside [1970-01-01T00:00:00Z, 10000-01-01T00:00:00Z)");
        }
        return epochMillis;
    }

    /**
     * Quotes {@code text} for an error message, cut to {@link #MAX_QUOTED_LENGTH} characters so
     * that hostile input cannot make a message (and the {@code dlq.error} header) as large as
     * itself. The date and time checks run before the end of the text is looked at, so a text that
     * fails them may be of any length.
     */
    private static String quoted(String text) {
        if (text.length() <= MAX_QUOTED_LENGTH) {
            return "'" + text + "'";
        }
        return "'" + text.substring(0, MAX_QUOTED_LENGTH) + "...' (" + text.length() + " chars)";
    }

    private static InvalidTimestampException notRfc3339() {
        return new InvalidTimestampException("ts string is not an RFC 3339 date-time " + SYNTAX);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int digits(String text, int start, int count) throws InvalidTimestampException {
        int value = 0;
        for (int i = start; i < start + count; i++) {
            char c = text.charAt(i);
            if (!isDigit(c)) {
                throw notRfc3339();
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean isLeapYear(int year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    }

    private static int daysInMonth(int year, int month) {
        switch (month) {
            case 2:
                return isLeapYear(year) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
    static long epochDay(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yearOfEra = y - era * 400;
        long dayOfYear = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }
}
