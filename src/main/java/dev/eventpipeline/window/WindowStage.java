package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

import java.time.Duration;
import java.util.List;

/** Builds one keyed event-time window operator per window spec and unions their results. */
public final class WindowStage {

    private WindowStage() {}

    public static DataStream<WindowResult> apply(
            DataStream<Event> accepted, List<WindowSpec> specs, Duration allowedLateness) {
        DataStream<WindowResult> results = null;
        for (WindowSpec spec : specs) {
            DataStream<WindowResult> specResults =
                    accepted.keyBy(event -> event.key)
                            .window(assigner(spec))
                            .allowedLateness(allowedLateness)
                            .aggregate(
                                    new WindowAggregator(), new WindowResultEmitter(spec.label()))
                            .uid(OperatorIds.windowUid(spec))
                            .name(OperatorIds.windowName(spec));
            results = results == null ? specResults : results.union(specResults);
        }
        return results;
    }

    static WindowAssigner<Object, TimeWindow> assigner(WindowSpec spec) {
        Duration size = Duration.ofMillis(spec.sizeMillis());
        return spec.isSliding()
                ? SlidingEventTimeWindows.of(size, Duration.ofMillis(spec.slideMillis()))
                : TumblingEventTimeWindows.of(size);
    }
}
