package dev.eventpipeline.model;

import java.util.Objects;

/**
 * The figures of one fired window for one key. {@code sum}, {@code min} and {@code max} are
 * meaningful only when {@code valueCount} is above zero.
 *
 * <p>A Flink POJO: public no-argument constructor and public fields.
 */
public class WindowResult {

    /** Window spec label, e.g. {@code tumbling:60s}. */
    public String window;

    /** Group key. */
    public String key;

    /** Window start, epoch milliseconds (inclusive). */
    public long start;

    /** Window end, epoch milliseconds (exclusive). */
    public long end;

    /** Accepted events in the window. */
    public long count;

    /** Events in the window that carry a value. */
    public long valueCount;

    public double sum;
    public double min;
    public double max;

    public WindowResult() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WindowResult)) {
            return false;
        }
        WindowResult that = (WindowResult) o;
        return start == that.start
                && end == that.end
                && count == that.count
                && valueCount == that.valueCount
                && Double.compare(sum, that.sum) == 0
                && Double.compare(min, that.min) == 0
                && Double.compare(max, that.max) == 0
                && Objects.equals(window, that.window)
                && Objects.equals(key, that.key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(window, key, start);
    }

    @Override
    public String toString() {
        return window + " " + key + " [" + start + "," + end + ") count=" + count + " sum=" + sum;
    }
}
