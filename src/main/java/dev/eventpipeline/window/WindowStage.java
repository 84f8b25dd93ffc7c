package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.streaming.api.datastream.DataStream;

import java.time.Duration;
import java.util.List;

/**
 * Aggregates accepted events per key in every window spec with one pane-based operator; see {@link
 * PaneWindowFunction}.
 */
public final class WindowStage {

    private WindowStage() {}

    public static DataStream<WindowResult> apply(
            DataStream<Event> accepted, List<WindowSpec> specs, Duration allowedLateness) {
        return accepted.keyBy(event -> event.key)
                .process(new PaneWindowFunction(specs, allowedLateness.toMillis()))
                .uid(OperatorIds.windowsUid(specs))
                .name(OperatorIds.windowsName(specs));
    }
}
