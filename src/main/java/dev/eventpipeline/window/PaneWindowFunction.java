package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.List;

/**
 * Aggregates every window spec of a job in one keyed operator, with panes. The time line is cut
 * into panes whose length divides every spec's size and slide (their greatest common divisor), an
 * event updates only the one pane that contains it, and a firing window sums the panes it covers.
 * With {@code sliding:300s/60s} an event costs one state update instead of five (one per window
 * that contains it). It can serve several specs at once; the job runs one instance per spec so that
 * each spec keeps its own uid in savepoints.
 *
 * <p>The results are those of Flink's window operator with the same specs and allowed lateness:
 * windows are epoch-aligned and contain {@code start <= ts < end}; a window fires when the
 * watermark reaches {@code end - 1}, only if it contains at least one event; with allowed lateness
 * above zero, an event for a window that already fired updates it and fires it again at once, and
 * the window's panes are kept until the watermark reaches {@code end - 1 + allowedLateness}. It
 * expects no event whose window has passed that point: the late router upstream sends those to the
 * dead letters.
 */
public class PaneWindowFunction extends KeyedProcessFunction<String, Event, WindowResult> {

    private static final long serialVersionUID = 1L;

    /** Name of the pane state. Savepoints refer to it, so it never changes. */
    public static final String STATE_NAME = "panes";

    private final WindowSpec[] specs;
    private final String[] labels;
    private final long allowedLatenessMillis;
    private final long paneMillis;
    private final long maxSizeMillis;

    private transient MapState<Long, WindowAccumulator> panes;

    public PaneWindowFunction(List<WindowSpec> specs, long allowedLatenessMillis) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one window spec is needed");
        }
        this.specs = specs.toArray(new WindowSpec[0]);
        this.labels = new String[this.specs.length];
        long pane = 0;
        long maxSize = 0;
        for (int i = 0; i < this.specs.length; i++) {
            labels[i] = this.specs[i].label();
            pane = gcd(pane, this.specs[i].sizeMillis());
            pane = gcd(pane, this.specs[i].slideMillis());
            maxSize = Math.max(maxSize, this.specs[i].sizeMillis());
        }
        this.paneMillis = pane;
        this.maxSizeMillis = maxSize;
        this.allowedLatenessMillis = allowedLatenessMillis;
    }

    /** Returns the pane length: the greatest common divisor of all sizes and slides. */
    public long paneMillis() {
        return paneMillis;
    }

    /** Returns the descriptor of the pane state. */
    public static MapStateDescriptor<Long, WindowAccumulator> stateDescriptor() {
        return new MapStateDescriptor<>(
                STATE_NAME, Types.LONG, TypeInformation.of(WindowAccumulator.class));
    }

    @Override
    public void open(OpenContext openContext) {
        panes = getRuntimeContext().getMapState(stateDescriptor());
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<WindowResult> out)
            throws Exception {
        long paneStart = Math.floorDiv(event.timestamp, paneMillis) * paneMillis;
        WindowAccumulator pane = panes.get(paneStart);
        if (pane == null) {
            pane = new WindowAccumulator();
            registerTimers(paneStart, ctx);
        }
        add(pane, event);
        panes.put(paneStart, pane);

        if (allowedLatenessMillis > 0) {
            // A window that already fired, but is still within the allowed lateness, fires again
            // with the event counted, as Flink's EventTimeTrigger does for a late element.
            long watermark = ctx.timerService().currentWatermark();
            for (int i = 0; i < specs.length; i++) {
                WindowSpec spec = specs[i];
                for (long end = spec.earliestEndContaining(event.timestamp);
                        end <= event.timestamp + spec.sizeMillis();
                        end += spec.slideMillis()) {
                    if (end - 1 <= watermark) {
                        emit(i, end, ctx.getCurrentKey(), out);
                    }
                }
            }
        }
    }

    /**
     * Registers a firing timer at {@code end - 1} for every window that contains the pane, and a
     * cleanup timer for when no window needs the pane any more.
     */
    private void registerTimers(long paneStart, Context ctx) {
        for (WindowSpec spec : specs) {
            for (long end = spec.earliestEndContaining(paneStart);
                    end <= paneStart + spec.sizeMillis();
                    end += spec.slideMillis()) {
                ctx.timerService().registerEventTimeTimer(end - 1);
            }
        }
        ctx.timerService().registerEventTimeTimer(cleanupTime(paneStart));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<WindowResult> out)
            throws Exception {
        long end = timestamp + 1;
        for (int i = 0; i < specs.length; i++) {
            if (Math.floorMod(end, specs[i].slideMillis()) == 0) {
                emit(i, end, ctx.getCurrentKey(), out);
            }
        }
        // Each pane has a cleanup timer of its own, after every window that contains it fired.
        long expiredPane = timestamp + 1 - maxSizeMillis - allowedLatenessMillis;
        if (Math.floorMod(expiredPane, paneMillis) == 0) {
            panes.remove(expiredPane);
        }
    }

    /** Returns the time at which no window needs the pane starting at {@code paneStart}. */
    private long cleanupTime(long paneStart) {
        return paneStart + maxSizeMillis - 1 + allowedLatenessMillis;
    }

    /**
     * Sums the panes of spec {@code i}'s window ending at {@code end} and emits it if not empty.
     */
    private void emit(int i, long end, String key, Collector<WindowResult> out) throws Exception {
        long start = end - specs[i].sizeMillis();
        WindowResult result = new WindowResult();
        result.min = Double.POSITIVE_INFINITY;
        result.max = Double.NEGATIVE_INFINITY;
        for (long paneStart = start; paneStart < end; paneStart += paneMillis) {
            WindowAccumulator pane = panes.get(paneStart);
            if (pane == null) {
                continue;
            }
            result.count += pane.count;
            result.valueCount += pane.valueCount;
            result.sum += pane.sum;
            result.min = Math.min(result.min, pane.min);
            result.max = Math.max(result.max, pane.max);
        }
        if (result.count == 0) {
            return;
        }
        result.window = labels[i];
        result.key = key;
        result.start = start;
        result.end = end;
        out.collect(result);
    }

    private static void add(WindowAccumulator acc, Event event) {
        acc.count++;
        if (event.hasValue) {
            acc.valueCount++;
            acc.sum += event.value;
            acc.min = Math.min(acc.min, event.value);
            acc.max = Math.max(acc.max, event.value);
        }
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
