package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.Event;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.List;

/**
 * Decides, before any window operator sees an event, whether it is late: when the earliest-ending
 * window that contains its timestamp, among all window specs, has already closed. Late events go to
 * the dead letters with reason {@code late}; the rest are accepted and reach every window, without
 * their raw record, which only a dead letter needs.
 *
 * <p>The test is the window operator's own: a window is closed once {@code end - 1 +
 * allowedLateness <= watermark}. This operator's watermark is never behind the one the window
 * operators see when the event reaches them, so an event accepted here is never dropped there.
 * Every other window containing the event ends no earlier, so an event is counted in all of its
 * windows or in none.
 *
 * <p>That holds because the router runs keyed by group key and hands its events to the window
 * operators one to one: they see the router's own watermark, also after an input was taken for
 * idle. (A router on another partitioning could lag behind a window operator whose watermark
 * already left an idle input out, and the window operator would then drop events that passed here.)
 */
public class LateEventRouter extends ProcessFunction<Event, Event> {

    private static final long serialVersionUID = 1L;

    /** Cause written in the {@code dlq.error} header of late events. */
    public static final String LATE_ERROR = "window already closed";

    private final WindowSpec[] specs;
    private final long allowedLatenessMillis;
    private final OutputTag<DeadLetter> deadLetters;

    /**
     * Lowest watermark that events are judged against, restored by {@link LateEventRouterOperator}.
     */
    private long watermarkFloor = Long.MIN_VALUE;

    private transient Counter late;
    private transient Counter accepted;
    private transient LongCounter lateTotal;
    private transient LongCounter acceptedTotal;

    public LateEventRouter(
            List<WindowSpec> specs, long allowedLatenessMillis, OutputTag<DeadLetter> deadLetters) {
        this.specs = specs.toArray(new WindowSpec[0]);
        this.allowedLatenessMillis = allowedLatenessMillis;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        late = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.LATE);
        accepted = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.ACCEPTED);
        lateTotal = getRuntimeContext().getLongCounter(PipelineMetrics.LATE);
        acceptedTotal = getRuntimeContext().getLongCounter(PipelineMetrics.ACCEPTED);
    }

    /**
     * Sets the watermark restored from a checkpoint. Until the operator's own watermark passes it,
     * events are judged against this one, because Flink restarts watermarks at {@link
     * Long#MIN_VALUE} after a restore.
     */
    public void setWatermarkFloor(long floor) {
        this.watermarkFloor = floor;
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<Event> out) {
        long watermark = Math.max(watermarkFloor, ctx.timerService().currentWatermark());
        if (isLate(event.timestamp, watermark)) {
            late.inc();
            lateTotal.add(1);
            ctx.output(deadLetters, new DeadLetter(event.raw, DeadLetter.LATE, LATE_ERROR));
        } else {
            accepted.inc();
            acceptedTotal.add(1);
            // The windows need only key, time and value. Dropping the original record also keeps
            // its bytes out of the hand-over when the window operators are not chained here.
            event.raw = null;
            out.collect(event);
        }
    }

    /**
     * Returns whether the earliest-ending window containing {@code timestamp} closed at {@code
     * watermark}.
     */
    public boolean isLate(long timestamp, long watermark) {
        long earliestEnd = Long.MAX_VALUE;
        for (WindowSpec spec : specs) {
            earliestEnd = Math.min(earliestEnd, spec.earliestEndContaining(timestamp));
        }
        return earliestEnd - 1 + allowedLatenessMillis <= watermark;
    }
}
