package dev.eventpipeline.window;

import dev.eventpipeline.model.WindowResult;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Adds the window spec, key, start and end to the figures of a fired window. */
public class WindowResultEmitter
        extends ProcessWindowFunction<WindowAccumulator, WindowResult, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    private final String windowLabel;

    public WindowResultEmitter(String windowLabel) {
        this.windowLabel = windowLabel;
    }

    @Override
    public void process(
            String key,
            Context context,
            Iterable<WindowAccumulator> figures,
            Collector<WindowResult> out) {
        WindowAccumulator acc = figures.iterator().next();
        WindowResult result = new WindowResult();
        result.window = windowLabel;
        result.key = key;
        result.start = context.window().getStart();
        result.end = context.window().getEnd();
        result.count = acc.count;
        result.valueCount = acc.valueCount;
        result.sum = acc.sum;
        result.min = acc.min;
        result.max = acc.max;
        out.collect(result);
    }
}
