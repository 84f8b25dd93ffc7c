package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;

import java.time.Duration;
import java.util.List;

/**
 * Aggregates accepted events per key with one pane-based operator per window spec (see {@link
 * PaneWindowOperator}) and unions their results. One operator per spec, each with its own uid,
 * keeps savepoints usable when a spec is added or removed.
 *
 * <p>The input must already be partitioned by group key, as the late router's output is: the window
 * operators take it over one to one, without a shuffle, so they see the router's watermark and
 * never one that is ahead of it.
 */
public final class WindowStage {

    private WindowStage() {}

    public static DataStream<WindowResult> apply(
            DataStream<Event> accepted, List<WindowSpec> specs, Duration allowedLateness) {
        DataStream<WindowResult> results = null;
        for (WindowSpec spec : specs) {
            DataStream<WindowResult> specResults =
                    DataStreamUtils.reinterpretAsKeyedStream(
                                    accepted, event -> event.key, Types.STRING)
                            .transform(
                                    OperatorIds.windowName(spec),
                                    TypeInformation.of(WindowResult.class),
                                    new PaneWindowOperator(
                                            List.of(spec), allowedLateness.toMillis()))
                            .uid(OperatorIds.windowUid(spec));
            results = results == null ? specResults : results.union(specResults);
        }
        return results;
    }
}
