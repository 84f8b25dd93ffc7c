package dev.eventpipeline.model;

/**
 * A record that left the pipeline without reaching a window, with the reason and a one-line cause.
 * The raw record keeps the original key and value bytes.
 *
 * <p>A Flink POJO: public no-argument constructor and public fields.
 */
public class DeadLetter {

    /** Reason for invalid input. */
    public static final String INVALID = "invalid";

    /** Reason for an event whose earliest-ending window had already closed. */
    public static final String LATE = "late";

    /** Reason for a record on which a pipeline stage threw. */
    public static final String FAILED = "failed";

    /** The original record. */
    public RawRecord raw;

    /** {@link #INVALID}, {@link #LATE} or {@link #FAILED}. */
    public String reason;

    /** One-line, human-readable cause. */
    public String error;

    public DeadLetter() {}

    public DeadLetter(RawRecord raw, String reason, String error) {
        this.raw = raw;
        this.reason = reason;
        this.error = oneLine(error);
    }

    /** Maximum length of a cause in UTF-16 chars. A longer one is cut and ends in "...". */
    public static final int MAX_ERROR_LENGTH = 500;

    /**
     * Collapses line breaks and other control characters (the cause may quote hostile input) so the
     * cause fits in one header line, and cuts it to {@link #MAX_ERROR_LENGTH} without splitting a
     * surrogate pair.
     */
    public static String oneLine(String text) {
        if (text == null || text.isEmpty()) {
            return "unknown error";
        }
        String flat = text.replaceAll("[\\p{Cc}\\u2028\\u2029]+", " ").trim();
        if (flat.isEmpty()) {
            return "unknown error";
        }
        if (flat.length() <= MAX_ERROR_LENGTH) {
            return flat;
        }
        int cut = MAX_ERROR_LENGTH;
        if (Character.isHighSurrogate(flat.charAt(cut - 1))) {
            cut--;
        }
        return flat.substring(0, cut) + "...";
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ": " + error + ", from=" + raw + '}';
    }
}
