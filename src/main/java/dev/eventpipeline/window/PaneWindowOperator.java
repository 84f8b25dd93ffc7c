package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates window specs of a job in one keyed operator, with panes. The time line is cut into
 * panes whose length divides every spec's size and slide (their greatest common divisor), an event
 * updates only the one pane that contains it, and a firing window sums the panes it covers. With
 * {@code sliding:300s/60s} an event costs one pane update instead of five (one per window that
 * contains it). It can serve several specs at once; the job runs one instance per spec so that each
 * spec keeps its own uid in savepoints.
 *
 * <p>The results are those of Flink's window operator with the same specs and allowed lateness:
 * windows are epoch-aligned and contain {@code start <= ts < end}; a window fires when the
 * watermark reaches {@code end - 1}, only if it contains at least one event; with allowed lateness
 * above zero, an event for a window that already fired updates it and fires it again at once, and
 * the window's panes are kept until the watermark reaches {@code end - 1 + allowedLateness}. It
 * expects no event whose window has passed that point: the late router upstream sends those to the
 * dead letters.
 *
 * <p>Panes that events change are kept on the heap and written to the keyed state only before each
 * checkpoint barrier, when more than {@link #MAX_CACHED_PANES} are held, and never on the per-event
 * path. A pane that takes a hundred events between two checkpoints then costs one state read and
 * one state write instead of a hundred of each, which on RocksDB is most of this operator's cost.
 * Checkpoints and savepoints see exactly what a write per event would have stored.
 *
 * <p>The state ({@value #STATE_NAME}) and the timer service ({@value #TIMER_SERVICE}) have the
 * names that Flink's {@code KeyedProcessOperator} gives them, so savepoints of the job version that
 * ran this logic as a {@code KeyedProcessFunction} restore into this operator.
 */
public class PaneWindowOperator extends AbstractStreamOperator<WindowResult>
        implements OneInputStreamOperator<Event, WindowResult>, Triggerable<String, VoidNamespace> {

    private static final long serialVersionUID = 1L;

    /** Name of the pane state. Savepoints refer to it, so it never changes. */
    public static final String STATE_NAME = "panes";

    /** Name of the timer service. Savepoints refer to it, so it never changes. */
    public static final String TIMER_SERVICE = "user-timers";

    /**
     * Changed panes kept on the heap, per subtask, before all of them are written to state. NOTE: a
     * fixed bound, not a setting. At about 100 bytes a pane (an estimate) it is a few MiB of heap.
     */
    public static final int MAX_CACHED_PANES = 50_000;

    private final WindowSpec[] specs;
    private final String[] labels;
    private final long allowedLatenessMillis;
    private final long paneMillis;
    private final long maxSizeMillis;

    private transient MapState<Long, WindowAccumulator> panes;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient TimestampedCollector<WindowResult> collector;

    /** Panes changed since they were last written to state, by group key. */
    private transient Map<String, ChangedPanes> changed;

    private transient int changedCount;

    public PaneWindowOperator(List<WindowSpec> specs, long allowedLatenessMillis) {
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
        this.chainingStrategy = ChainingStrategy.ALWAYS;
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
    public void open() throws Exception {
        super.open();
        panes = getPartitionedState(stateDescriptor());
        timers = getInternalTimerService(TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        collector = new TimestampedCollector<>(output);
        changed = new HashMap<>();
        changedCount = 0;
    }

    @Override
    public void processElement(StreamRecord<Event> element) throws Exception {
        Event event = element.getValue();
        if (changedCount >= MAX_CACHED_PANES) {
            writeChangedPanes();
            setCurrentKey(event.key);
        }
        long paneStart = Math.floorDiv(event.timestamp, paneMillis) * paneMillis;
        ChangedPanes keyPanes = changed.get(event.key);
        WindowAccumulator pane = keyPanes == null ? null : keyPanes.get(paneStart);
        if (pane == null) {
            pane = panes.get(paneStart);
            if (pane == null) {
                pane = new WindowAccumulator();
                registerTimers(paneStart);
            }
            if (keyPanes == null) {
                keyPanes = new ChangedPanes();
                changed.put(event.key, keyPanes);
            }
            keyPanes.put(paneStart, pane);
            changedCount++;
        }
        add(pane, event);

        if (allowedLatenessMillis > 0) {
            // A window that already fired, but is still within the allowed lateness, fires again
            // with the event counted, as Flink's EventTimeTrigger does for a late element.
            long watermark = timers.currentWatermark();
            collector.setTimestamp(element);
            for (int i = 0; i < specs.length; i++) {
                WindowSpec spec = specs[i];
                for (long end = spec.earliestEndContaining(event.timestamp);
                        end <= event.timestamp + spec.sizeMillis();
                        end += spec.slideMillis()) {
                    if (end - 1 <= watermark) {
                        emit(i, end, event.key);
                    }
                }
            }
        }
    }

    /**
     * Registers a firing timer at {@code end - 1} for every window that contains the pane, and a
     * cleanup timer for when no window needs the pane any more.
     */
    private void registerTimers(long paneStart) {
        for (WindowSpec spec : specs) {
            for (long end = spec.earliestEndContaining(paneStart);
                    end <= paneStart + spec.sizeMillis();
                    end += spec.slideMillis()) {
                timers.registerEventTimeTimer(VoidNamespace.INSTANCE, end - 1);
            }
        }
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, cleanupTime(paneStart));
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        long timestamp = timer.getTimestamp();
        String key = timer.getKey();
        collector.setAbsoluteTimestamp(timestamp);
        long end = timestamp + 1;
        for (int i = 0; i < specs.length; i++) {
            if (Math.floorMod(end, specs[i].slideMillis()) == 0) {
                emit(i, end, key);
            }
        }
        // Each pane has a cleanup timer of its own, after every window that contains it fired.
        long expiredPane = timestamp + 1 - maxSizeMillis - allowedLatenessMillis;
        if (Math.floorMod(expiredPane, paneMillis) == 0) {
            ChangedPanes keyPanes = changed.get(key);
            if (keyPanes != null && keyPanes.remove(expiredPane)) {
                changedCount--;
                if (keyPanes.isEmpty()) {
                    changed.remove(key);
                }
            }
            panes.remove(expiredPane);
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
        // The operator registers event-time timers only.
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        writeChangedPanes();
    }

    /** Writes every changed pane to the keyed state and empties the heap cache. */
    private void writeChangedPanes() throws Exception {
        for (Map.Entry<String, ChangedPanes> entry : changed.entrySet()) {
            setCurrentKey(entry.getKey());
            ChangedPanes keyPanes = entry.getValue();
            for (int i = 0; i < keyPanes.size; i++) {
                panes.put(keyPanes.starts[i], keyPanes.accumulators[i]);
            }
        }
        changed.clear();
        changedCount = 0;
    }

    /** Returns the pane starting at {@code paneStart} for {@code key}, or null if it is empty. */
    private WindowAccumulator pane(String key, long paneStart) throws Exception {
        ChangedPanes keyPanes = changed.get(key);
        WindowAccumulator pane = keyPanes == null ? null : keyPanes.get(paneStart);
        return pane != null ? pane : panes.get(paneStart);
    }

    /** Returns the time at which no window needs the pane starting at {@code paneStart}. */
    private long cleanupTime(long paneStart) {
        return paneStart + maxSizeMillis - 1 + allowedLatenessMillis;
    }

    /**
     * Sums the panes of spec {@code i}'s window ending at {@code end} and emits it if not empty.
     * The current key of the state backend must be {@code key}.
     */
    private void emit(int i, long end, String key) throws Exception {
        long start = end - specs[i].sizeMillis();
        WindowResult result = new WindowResult();
        result.min = Double.POSITIVE_INFINITY;
        result.max = Double.NEGATIVE_INFINITY;
        for (long paneStart = start; paneStart < end; paneStart += paneMillis) {
            WindowAccumulator pane = pane(key, paneStart);
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
        collector.collect(result);
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

    /**
     * The changed panes of one key: a few at a time (the panes that the out-of-orderness bound
     * spans), so two small arrays searched in order beat a map with boxed keys.
     */
    private static final class ChangedPanes {
        long[] starts = new long[4];
        WindowAccumulator[] accumulators = new WindowAccumulator[4];
        int size;

        WindowAccumulator get(long start) {
            for (int i = 0; i < size; i++) {
                if (starts[i] == start) {
                    return accumulators[i];
                }
            }
            return null;
        }

        /** Adds a pane that is not cached yet. */
        void put(long start, WindowAccumulator accumulator) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                accumulators = Arrays.copyOf(accumulators, size * 2);
            }
            starts[size] = start;
            accumulators[size] = accumulator;
            size++;
        }

        /** Removes a pane and returns whether it was cached. */
        boolean remove(long start) {
            for (int i = 0; i < size; i++) {
                if (starts[i] == start) {
                    size--;
                    starts[i] = starts[size];
                    accumulators[i] = accumulators[size];
                    accumulators[size] = null;
                    return true;
                }
            }
            return false;
        }

        boolean isEmpty() {
            return size == 0;
        }
    }
}
