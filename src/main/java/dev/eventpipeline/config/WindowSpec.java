package dev.eventpipeline.config;

import java.io.Serializable;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One configured window: tumbling of a size, or sliding of a size and a slide. Windows are aligned
 * to the epoch, and a window contains {@code ts} when {@code start <= ts < end}.
 */
public final class WindowSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final Pattern SPEC =
            Pattern.compile(
                    "(tumbling|sliding):(\\d{1,12}(?:ms|s|min|h|d))(?:/(\\d{1,12}(?:ms|s|min|h|d)))?");

    /** Allowed syntax, for error messages. */
    public static final String SYNTAX =
            "tumbling:SIZE or sliding:SIZE/SLIDE with positive durations, SLIDE dividing SIZE"
                    + " (e.g. tumbling:60s, sliding:300s/60s)";

    private final boolean sliding;
    private final long sizeMillis;
    private final long slideMillis;

    private WindowSpec(boolean sliding, long sizeMillis, long slideMillis) {
        this.sliding = sliding;
        this.sizeMillis = sizeMillis;
        this.slideMillis = slideMillis;
    }

    public static WindowSpec tumbling(long sizeMillis) {
        if (sizeMillis <= 0) {
            throw new IllegalArgumentException("window size must be positive: " + sizeMillis);
        }
        return new WindowSpec(false, sizeMillis, sizeMillis);
    }

    public static WindowSpec sliding(long sizeMillis, long slideMillis) {
        if (sizeMillis <= 0 || slideMillis <= 0 || sizeMillis % slideMillis != 0) {
            throw new IllegalArgumentException(
                    "sliding window needs positive size and slide, slide dividing size: "
                            + sizeMillis
                            + "/"
                            + slideMillis);
        }
        return new WindowSpec(true, sizeMillis, slideMillis);
    }

    /** Parses one spec such as {@code sliding:300s/60s}; {@code key} names the setting. */
    public static WindowSpec parse(String key, String text) {
        Matcher matcher = SPEC.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw ConfigException.invalid(key, text, SYNTAX);
        }
        long size = Durations.parse(key, matcher.group(2)).toMillis();
        boolean isSliding = matcher.group(1).equals("sliding");
        if (isSliding != (matcher.group(3) != null)) {
            throw ConfigException.invalid(key, text, SYNTAX);
        }
        try {
            return isSliding
                    ? sliding(size, Durations.parse(key, matcher.group(3)).toMillis())
                    : tumbling(size);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(key, text, SYNTAX);
        }
    }

    public boolean isSliding() {
        return sliding;
    }

    public long sizeMillis() {
        return sizeMillis;
    }

    public long slideMillis() {
        return slideMillis;
    }

    /**
     * Returns the end of the earliest-ending window of this spec that contains {@code timestamp}.
     */
    public long earliestEndContaining(long timestamp) {
        // The windows containing ts start in (ts - size, ts]; the earliest-ending one has the
        // smallest slide-aligned start in that range.
        long firstStart =
                Math.floorDiv(timestamp - sizeMillis, slideMillis) * slideMillis + slideMillis;
        return firstStart + sizeMillis;
    }

    /**
     * Returns the label written in aggregate records: {@code tumbling:60s}, {@code
     * sliding:3s/500ms}.
     */
    public String label() {
        return sliding
                ? "sliding:" + labelOf(sizeMillis) + "/" + labelOf(slideMillis)
                : "tumbling:" + labelOf(sizeMillis);
    }

    private static String labelOf(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WindowSpec)) {
            return false;
        }
        WindowSpec that = (WindowSpec) o;
        return sliding == that.sliding
                && sizeMillis == that.sizeMillis
                && slideMillis == that.slideMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sliding, sizeMillis, slideMillis);
    }

    @Override
    public String toString() {
        return label();
    }
}
