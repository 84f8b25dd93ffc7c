package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.PipelineTopology;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class PaneWindowOperatorTest {

    private static final WindowSpec TUMBLING_60S = WindowSpec.tumbling(60_000);
    private static final WindowSpec SLIDING_300S_60S = WindowSpec.sliding(300_000, 60_000);
    private static final WindowSpec SLIDING_3S_500MS = WindowSpec.sliding(3_000, 500);

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness(
            List<WindowSpec> specs, long allowedLateness) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new PaneWindowOperator(specs, allowedLateness),
                        event -> event.key,
                        TypeInformation.of(String.class));
        harness.open();
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness(
            List<WindowSpec> specs, long allowedLateness, OperatorSubtaskState restoreFrom)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new PaneWindowOperator(specs, allowedLateness),
                        event -> event.key,
                        TypeInformation.of(String.class));
        harness.initializeState(restoreFrom);
        harness.open();
        return harness;
    }

    private static void add(
            KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness,
            Event event)
            throws Exception {
        harness.processElement(new StreamRecord<>(event, event.timestamp));
    }

    /** Fired results as text, sorted by spec, key and start; offsets in seconds past 10:00. */
    private static List<String> fired(
            KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness) {
        return harness.extractOutputValues().stream()
                .sorted(
                        Comparator.comparing((WindowResult r) -> r.window)
                                .thenComparing(r -> r.key)
                                .thenComparing(r -> r.start))
                .map(PaneWindowOperatorTest::describe)
                .collect(Collectors.toList());
    }

    private static String describe(WindowResult r) {
        return r.window
                + " "
                + r.key
                + " ["
                + (r.start - TEN_O_CLOCK) / 1000.0
                + "s,"
                + (r.end - TEN_O_CLOCK) / 1000.0
                + "s) count="
                + r.count
                + (r.valueCount > 0
                        ? " sum=" + r.sum + " min=" + r.min + " max=" + r.max
                        : " no values");
    }

    @Test
    void paneLengthDividesEverySizeAndSlide() {
        assertThat(new PaneWindowOperator(List.of(TUMBLING_60S, SLIDING_300S_60S), 0).paneMillis())
                .isEqualTo(60_000);
        assertThat(new PaneWindowOperator(List.of(TUMBLING_60S, SLIDING_3S_500MS), 0).paneMillis())
                .isEqualTo(500);
        assertThat(
                        new PaneWindowOperator(
                                        List.of(
                                                WindowSpec.tumbling(40_000),
                                                WindowSpec.tumbling(60_000)),
                                        0)
                                .paneMillis())
                .isEqualTo(20_000);
    }

    @Test
    void windowEndIsExclusive() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S, SLIDING_300S_60S), 0)) {
            add(harness, TestEvents.event("last-in", TEN_O_CLOCK + 59_999, "k", 1));
            add(harness, TestEvents.event("first-out", TEN_O_CLOCK + 60_000, "k", 2));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 2));
            assertThat(harness.extractOutputValues()).isEmpty();

            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 1));
            assertThat(fired(harness))
                    .containsExactly(
                            "sliding:300s/60s k [-240.0s,60.0s) count=1 sum=1.0 min=1.0 max=1.0",
                            "tumbling:60s k [0.0s,60.0s) count=1 sum=1.0 min=1.0 max=1.0");
        }
    }

    @Test
    void slidingEventCountsInEveryOverlappingWindow() throws Exception {
        try (var harness = harness(List.of(SLIDING_300S_60S), 0)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 90_000, "k", 5));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 200_000, "k", 7));
            harness.processWatermark(Watermark.MAX_WATERMARK);

            // 10:01:30 lies in the windows starting 09:57 .. 10:01, 10:03:20 in 09:59 .. 10:03.
            assertThat(fired(harness))
                    .containsExactly(
                            "sliding:300s/60s k [-180.0s,120.0s) count=1 sum=5.0 min=5.0 max=5.0",
                            "sliding:300s/60s k [-120.0s,180.0s) count=1 sum=5.0 min=5.0 max=5.0",
                            "sliding:300s/60s k [-60.0s,240.0s) count=2 sum=12.0 min=5.0 max=7.0",
                            "sliding:300s/60s k [0.0s,300.0s) count=2 sum=12.0 min=5.0 max=7.0",
                            "sliding:300s/60s k [60.0s,360.0s) count=2 sum=12.0 min=5.0 max=7.0",
                            "sliding:300s/60s k [120.0s,420.0s) count=1 sum=7.0 min=7.0 max=7.0",
                            "sliding:300s/60s k [180.0s,480.0s) count=1 sum=7.0 min=7.0 max=7.0");
        }
    }

    @Test
    void windowsWithoutValuesHaveNullStatistics() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S, SLIDING_300S_60S), 0)) {
            add(harness, TestEvents.eventWithoutValue("a", TEN_O_CLOCK + 1, "quiet"));
            add(harness, TestEvents.eventWithoutValue("b", TEN_O_CLOCK + 61_000, "mixed"));
            add(harness, TestEvents.event("c", TEN_O_CLOCK + 1_000, "mixed", -7.5));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 120_000 - 1));

            assertThat(fired(harness))
                    .contains(
                            "tumbling:60s quiet [0.0s,60.0s) count=1 no values",
                            "tumbling:60s mixed [0.0s,60.0s) count=1 sum=-7.5 min=-7.5 max=-7.5",
                            "tumbling:60s mixed [60.0s,120.0s) count=1 no values",
                            "sliding:300s/60s mixed [-180.0s,120.0s) count=2 sum=-7.5 min=-7.5"
                                    + " max=-7.5");
            for (WindowResult result : harness.extractOutputValues()) {
                if (result.valueCount == 0) {
                    assertThat(result.sum).as(describe(result) + " sum").isZero();
                }
            }
        }
    }

    @Test
    void subSecondSlidesUseSmallPanes() throws Exception {
        try (var harness = harness(List.of(SLIDING_3S_500MS), 0)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 2_999, "k", 1));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 3_000, "k", 2));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 3_000 - 1));

            assertThat(fired(harness))
                    .containsExactly(
                            "sliding:3s/500ms k [0.0s,3.0s) count=1 sum=1.0 min=1.0 max=1.0");
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 3_500 - 1));
            assertThat(fired(harness))
                    .contains("sliding:3s/500ms k [0.5s,3.5s) count=2 sum=3.0 min=1.0 max=2.0");
        }
    }

    @Test
    void stateAndTimersAreClearedAfterTheLastWindow() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S, SLIDING_300S_60S), 0)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK, "k", 1));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 70_000, "other", 1));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 300_000 - 1));
            harness.prepareSnapshotPreBarrier(1);
            assertThat(harness.numKeyedStateEntries())
                    .as("panes kept while a window needs them")
                    .isEqualTo(1);

            harness.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(harness.extractOutputValues()).hasSize(12);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void snapshotRestoreKeepsOpenPanes() throws Exception {
        OperatorSubtaskState snapshot;
        List<WindowSpec> specs = List.of(TUMBLING_60S, SLIDING_300S_60S);
        try (var harness = harness(specs, 0)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 10_000, "k", 1));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 70_000, "k", 2));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 1));
            assertThat(harness.extractOutputValues()).hasSize(2);
            harness.prepareSnapshotPreBarrier(1);
            snapshot = harness.snapshot(1, 1);
        }
        try (var restored = harness(specs, 0, snapshot)) {
            add(restored, TestEvents.event("c", TEN_O_CLOCK + 80_000, "k", 4));
            restored.processWatermark(new Watermark(TEN_O_CLOCK + 120_000 - 1));

            assertThat(fired(restored))
                    .containsExactly(
                            "sliding:300s/60s k [-180.0s,120.0s) count=3 sum=7.0 min=1.0 max=4.0",
                            "tumbling:60s k [60.0s,120.0s) count=2 sum=6.0 min=2.0 max=4.0");
        }
    }

    @Test
    void lateFiringUpdatesWindowWithinAllowedLateness() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S), 30_000)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 1_000, "k", 1));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 1));
            add(harness, TestEvents.event("late", TEN_O_CLOCK + 2_000, "k", 3));

            assertThat(fired(harness))
                    .containsExactly(
                            "tumbling:60s k [0.0s,60.0s) count=1 sum=1.0 min=1.0 max=1.0",
                            "tumbling:60s k [0.0s,60.0s) count=2 sum=4.0 min=1.0 max=3.0");
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 90_000 - 1));
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void changedPanesReachStateBeforeEachBarrier() throws Exception {
        List<WindowSpec> specs = List.of(TUMBLING_60S);
        OperatorSubtaskState snapshot;
        try (var harness = harness(specs, 0)) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 1_000, "k", 1));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 61_000, "j", 2));
            assertThat(harness.numKeyedStateEntries())
                    .as("panes in state before a barrier")
                    .isZero();

            harness.prepareSnapshotPreBarrier(1);
            assertThat(harness.numKeyedStateEntries())
                    .as("panes in state after a barrier")
                    .isEqualTo(2);

            // A pane read back from state and changed again is written again at the next barrier.
            add(harness, TestEvents.event("c", TEN_O_CLOCK + 2_000, "k", 4));
            harness.prepareSnapshotPreBarrier(2);
            snapshot = harness.snapshot(2, 2);
        }
        try (var restored = harness(specs, 0, snapshot)) {
            restored.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(fired(restored))
                    .containsExactly(
                            "tumbling:60s j [60.0s,120.0s) count=1 sum=2.0 min=2.0 max=2.0",
                            "tumbling:60s k [0.0s,60.0s) count=2 sum=5.0 min=1.0 max=4.0");
        }
    }

    @Test
    void cacheLimitWritesPanesEarly() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S), 0)) {
            int keys = PaneWindowOperator.MAX_CACHED_PANES + 1;
            for (int i = 0; i < keys; i++) {
                add(harness, TestEvents.event("e" + i, TEN_O_CLOCK, "k" + i, i));
            }
            assertThat(harness.numKeyedStateEntries())
                    .as("keys in state with no barrier yet")
                    .isEqualTo(PaneWindowOperator.MAX_CACHED_PANES);

            harness.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(harness.extractOutputValues()).hasSize(keys);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    /**
     * Savepoints of the job version that ran the pane logic as a {@code KeyedProcessFunction}
     * restore into the operator: same state name and serializers, same timer service.
     */
    @Test
    void restoresKeyedProcessFunctionState() throws Exception {
        List<WindowSpec> specs = List.of(TUMBLING_60S);
        OperatorSubtaskState snapshot;
        try (var earlier =
                new KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult>(
                        new KeyedProcessOperator<>(new EarlierPaneFunction()),
                        event -> event.key,
                        TypeInformation.of(String.class))) {
            earlier.open();
            add(earlier, TestEvents.event("a", TEN_O_CLOCK + 1_000, "k", 3));
            snapshot = earlier.snapshot(1, 1);
        }
        try (var restored = harness(specs, 0, snapshot)) {
            assertThat(restored.numEventTimeTimers()).as("restored timers").isEqualTo(1);
            add(restored, TestEvents.event("b", TEN_O_CLOCK + 2_000, "k", 5));
            restored.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(fired(restored))
                    .containsExactly("tumbling:60s k [0.0s,60.0s) count=2 sum=8.0 min=3.0 max=5.0");
            assertThat(restored.numKeyedStateEntries()).isZero();
            assertThat(restored.numEventTimeTimers()).isZero();
        }
    }

    /** Writes one 60 s pane and its timer the way the earlier job version did. */
    private static final class EarlierPaneFunction
            extends KeyedProcessFunction<String, Event, WindowResult> {
        private transient MapState<Long, WindowAccumulator> panes;

        @Override
        public void open(OpenContext openContext) {
            panes = getRuntimeContext().getMapState(PaneWindowOperator.stateDescriptor());
        }

        @Override
        public void processElement(Event event, Context ctx, Collector<WindowResult> out)
                throws Exception {
            long paneStart = Math.floorDiv(event.timestamp, 60_000L) * 60_000L;
            WindowAccumulator pane = new WindowAccumulator();
            pane.count = 1;
            pane.valueCount = 1;
            pane.sum = event.value;
            pane.min = event.value;
            pane.max = event.value;
            panes.put(paneStart, pane);
            // The firing and the cleanup of a tumbling pane fall on the same timer.
            ctx.timerService().registerEventTimeTimer(paneStart + 60_000 - 1);
        }
    }

    /**
     * An event that the late router accepts at some watermark is counted in every window of every
     * spec that contains it, when the pane operator sees the same watermark.
     */
    @Test
    void acceptedEventCountsInAllItsWindows() throws Exception {
        List<WindowSpec> specs = List.of(TUMBLING_60S, SLIDING_300S_60S);
        LateEventRouter router = new LateEventRouter(specs, 0, PipelineTopology.DEAD_LETTERS);
        SplittableRandom random = new SplittableRandom(11);
        try (var harness = harness(specs, 0)) {
            long watermark = TEN_O_CLOCK;
            List<Event> accepted = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                long ts = watermark - 70_000 + random.nextLong(140_000);
                Event event = TestEvents.event("e" + i, ts, "k" + random.nextInt(3), i);
                if (!router.isLate(ts, watermark)) {
                    add(harness, event);
                    accepted.add(event);
                }
                if (i % 20 == 19) {
                    watermark += random.nextLong(30_000);
                    harness.processWatermark(new Watermark(watermark));
                }
            }
            harness.processWatermark(Watermark.MAX_WATERMARK);

            TreeMap<String, Long> expected = new TreeMap<>();
            for (Event event : accepted) {
                for (WindowSpec spec : specs) {
                    for (long end = spec.earliestEndContaining(event.timestamp);
                            end <= event.timestamp + spec.sizeMillis();
                            end += spec.slideMillis()) {
                        expected.merge(spec.label() + " " + event.key + " " + end, 1L, Long::sum);
                    }
                }
            }
            TreeMap<String, Long> actual = new TreeMap<>();
            for (WindowResult result : harness.extractOutputValues()) {
                String id = result.window + " " + result.key + " " + result.end;
                assertThat(actual.put(id, result.count)).as(id + " fired once").isNull();
            }
            assertThat(accepted).as("accepted events").hasSizeGreaterThan(100);
            assertThat(actual).isEqualTo(expected);
        }
    }
}
