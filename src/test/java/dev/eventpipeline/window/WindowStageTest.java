package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.WindowResult;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class WindowStageTest {

    /** A harness around the window operator that {@link WindowStage} builds for one spec. */
    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness(
            WindowSpec spec) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Event> input =
                env.fromData(TypeInformation.of(Event.class), TestEvents.event("x", 0, "k", 0));
        DataStream<WindowResult> results = WindowStage.apply(input, List.of(spec), Duration.ZERO);
        OneInputTransformation<Event, WindowResult> transformation =
                (OneInputTransformation<Event, WindowResult>) results.getTransformation();
        OneInputStreamOperator<Event, WindowResult> operator = transformation.getOperator();
        KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        operator, event -> event.key, TypeInformation.of(String.class));
        harness.open();
        return harness;
    }

    private static void add(
            KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness,
            Event event)
            throws Exception {
        harness.processElement(new StreamRecord<>(event, event.timestamp));
    }

    private static List<String> fired(
            KeyedOneInputStreamOperatorTestHarness<String, Event, WindowResult> harness) {
        return harness.extractOutputValues().stream()
                .sorted(Comparator.comparing((WindowResult r) -> r.key).thenComparing(r -> r.start))
                .map(
                        r ->
                                r.window
                                        + " "
                                        + r.key
                                        + " +"
                                        + (r.start - TEN_O_CLOCK) / 1000
                                        + "s count="
                                        + r.count
                                        + (r.valueCount > 0
                                                ? " sum=" + r.sum + " min=" + r.min + " max="
                                                        + r.max
                                                : " no values"))
                .collect(Collectors.toList());
    }

    @Test
    void tumblingWindowEndIsExclusive() throws Exception {
        try (var harness = harness(WindowSpec.tumbling(60_000))) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK, "k", 1));
            add(harness, TestEvents.event("b", TEN_O_CLOCK + 59_999, "k", 2));
            add(harness, TestEvents.event("c", TEN_O_CLOCK + 60_000, "k", 4));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 1));

            assertThat(fired(harness))
                    .containsExactly("tumbling:60s k +0s count=2 sum=3.0 min=1.0 max=2.0");

            harness.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(fired(harness))
                    .containsExactly(
                            "tumbling:60s k +0s count=2 sum=3.0 min=1.0 max=2.0",
                            "tumbling:60s k +60s count=1 sum=4.0 min=4.0 max=4.0");
        }
    }

    @Test
    void slidingWindowsContainEachEventOncePerOverlap() throws Exception {
        try (var harness = harness(WindowSpec.sliding(180_000, 60_000))) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK + 90_000, "k", 5));
            harness.processWatermark(Watermark.MAX_WATERMARK);

            // 10:01:30 lies in [09:59, 10:02), [10:00, 10:03) and [10:01, 10:04).
            assertThat(fired(harness))
                    .containsExactly(
                            "sliding:180s/60s k +-60s count=1 sum=5.0 min=5.0 max=5.0",
                            "sliding:180s/60s k +0s count=1 sum=5.0 min=5.0 max=5.0",
                            "sliding:180s/60s k +60s count=1 sum=5.0 min=5.0 max=5.0");
        }
    }

    @Test
    void windowWithoutValuesHasNullFigures() throws Exception {
        try (var harness = harness(WindowSpec.tumbling(60_000))) {
            add(harness, TestEvents.eventWithoutValue("a", TEN_O_CLOCK + 1, "quiet"));
            add(harness, TestEvents.eventWithoutValue("b", TEN_O_CLOCK + 2, "quiet"));
            add(harness, TestEvents.event("c", TEN_O_CLOCK + 3, "loud", -7.5));
            add(harness, TestEvents.eventWithoutValue("d", TEN_O_CLOCK + 4, "loud"));
            harness.processWatermark(Watermark.MAX_WATERMARK);

            assertThat(fired(harness))
                    .containsExactly(
                            "tumbling:60s loud +0s count=2 sum=-7.5 min=-7.5 max=-7.5",
                            "tumbling:60s quiet +0s count=2 no values");
        }
    }

    @Test
    void emptyKeysFireNothingAndStateIsCleared() throws Exception {
        try (var harness = harness(WindowSpec.tumbling(60_000))) {
            add(harness, TestEvents.event("a", TEN_O_CLOCK, "k", 1));
            harness.processWatermark(Watermark.MAX_WATERMARK);

            assertThat(harness.extractOutputValues()).hasSize(1);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }
}
