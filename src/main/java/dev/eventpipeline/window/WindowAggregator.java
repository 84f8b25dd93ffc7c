package dev.eventpipeline.window;

import dev.eventpipeline.model.Event;

import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Incremental count, sum, min and max of one window. Events without a value add to the count only.
 */
public class WindowAggregator
        implements AggregateFunction<Event, WindowAccumulator, WindowAccumulator> {

    private static final long serialVersionUID = 1L;

    @Override
    public WindowAccumulator createAccumulator() {
        return new WindowAccumulator();
    }

    @Override
    public WindowAccumulator add(Event event, WindowAccumulator acc) {
        acc.count++;
        if (event.hasValue) {
            acc.valueCount++;
            acc.sum += event.value;
            acc.min = Math.min(acc.min, event.value);
            acc.max = Math.max(acc.max, event.value);
        }
        return acc;
    }

    @Override
    public WindowAccumulator getResult(WindowAccumulator acc) {
        return acc;
    }

    @Override
    public WindowAccumulator merge(WindowAccumulator a, WindowAccumulator b) {
        WindowAccumulator merged = new WindowAccumulator();
        merged.count = a.count + b.count;
        merged.valueCount = a.valueCount + b.valueCount;
        merged.sum = a.sum + b.sum;
        merged.min = Math.min(a.min, b.min);
        merged.max = Math.max(a.max, b.max);
        return merged;
    }
}
