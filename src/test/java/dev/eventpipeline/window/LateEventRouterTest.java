package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.PipelineTopology;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class LateEventRouterTest {

    private static final WindowSpec TUMBLING_60S = WindowSpec.tumbling(60_000);
    private static final WindowSpec SLIDING_300S_60S = WindowSpec.sliding(300_000, 60_000);

    private static OneInputStreamOperatorTestHarness<Event, Event> harness(
            List<WindowSpec> specs, long allowedLateness) throws Exception {
        OneInputStreamOperatorTestHarness<Event, Event> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(
                                new LateEventRouter(
                                        specs, allowedLateness, PipelineTopology.DEAD_LETTERS)));
        harness.open();
        return harness;
    }

    private static List<String> lateIds(OneInputStreamOperatorTestHarness<Event, Event> harness) {
        return harness.getSideOutput(PipelineTopology.DEAD_LETTERS).stream()
                .map(record -> record.getValue())
                .peek(letter -> assertThat(letter.reason).isEqualTo(DeadLetter.LATE))
                .map(
                        letter ->
                                new String(letter.raw.value)
                                        .replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"))
                .collect(Collectors.toList());
    }

    @Test
    void eventOnTheBoundaryOfAClosedWindowIsLate() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S), 0)) {
            // Window [10:00, 10:01) closes when the watermark reaches 10:00:59.999.
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 2));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("open", TEN_O_CLOCK + 59_999, "k", 1)));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 60_000 - 1));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("closed", TEN_O_CLOCK + 59_999, "k", 1)));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("next", TEN_O_CLOCK + 60_000, "k", 1)));

            assertThat(lateIds(harness)).containsExactly("closed");
            assertThat(harness.extractOutputValues())
                    .extracting(event -> event.id)
                    .containsExactly("open", "next");
        }
    }

    @Test
    void earliestEndingWindowAcrossSpecsDecides() throws Exception {
        try (var harness = harness(List.of(SLIDING_300S_60S, TUMBLING_60S), 0)) {
            // At watermark 10:03:00 the tumbling window [10:02, 10:03) has closed, while sliding
            // windows containing 10:02:30 stay open until 10:07. The tumbling one decides.
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 180_000 - 1));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("mixed", TEN_O_CLOCK + 150_000, "k", 1)));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("fresh", TEN_O_CLOCK + 180_000, "k", 1)));

            assertThat(lateIds(harness)).containsExactly("mixed");
        }
    }

    @Test
    void slidingAloneUsesItsEarliestEndingWindow() throws Exception {
        try (var harness = harness(List.of(SLIDING_300S_60S), 0)) {
            // 10:02:30 lies in [09:58, 10:03) .. [10:02, 10:07); the first ends at 10:03.
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 180_000 - 2));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("open", TEN_O_CLOCK + 150_000, "k", 1)));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 180_000 - 1));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("late", TEN_O_CLOCK + 150_000, "k", 1)));

            assertThat(lateIds(harness)).containsExactly("late");
        }
    }

    @Test
    void allowedLatenessKeepsWindowOpenLonger() throws Exception {
        try (var harness = harness(List.of(TUMBLING_60S), 10_000)) {
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 70_000 - 2));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("kept", TEN_O_CLOCK, "k", 1)));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 70_000 - 1));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("late", TEN_O_CLOCK, "k", 1)));

            assertThat(lateIds(harness)).containsExactly("late");
        }
    }

    @Test
    void earliestEndMatchesWindowMembership() {
        // The earliest-ending sliding window containing ts starts after ts - size.
        assertThat(SLIDING_300S_60S.earliestEndContaining(TEN_O_CLOCK))
                .isEqualTo(TEN_O_CLOCK + 60_000);
        assertThat(SLIDING_300S_60S.earliestEndContaining(TEN_O_CLOCK + 59_999))
                .isEqualTo(TEN_O_CLOCK + 60_000);
        assertThat(SLIDING_300S_60S.earliestEndContaining(0)).isEqualTo(60_000);
        assertThat(TUMBLING_60S.earliestEndContaining(TEN_O_CLOCK + 60_000))
                .isEqualTo(TEN_O_CLOCK + 120_000);
        assertThat(WindowSpec.sliding(3000, 500).earliestEndContaining(1250)).isEqualTo(1500);
    }
}
