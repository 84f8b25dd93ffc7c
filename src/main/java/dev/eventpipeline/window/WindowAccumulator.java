package dev.eventpipeline.window;

/**
 * Running figures of one window and key. A Flink POJO, so the window state needs no Kryo. {@code
 * min} and {@code max} start at the infinities and are meaningful once {@code valueCount} is above
 * zero.
 */
public class WindowAccumulator {

    public long count;
    public long valueCount;
    public double sum;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;

    public WindowAccumulator() {}
}
