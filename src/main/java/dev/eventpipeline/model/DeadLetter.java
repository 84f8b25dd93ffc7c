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

    /** Collapses line breaks so the cause fits in one header line. */
    public static String oneLine(String text) {
        if (text == null || text.isEmpty()) {
            return "unknown error";
        }
        String flat = text.replaceAll("[\\r\\n\\t]+", " ").trim();
        return flat.length() > 500 ? flat.substring(0, 500) + "..." : flat;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ": " + error + ", from=" + raw + '}';
    }
}
