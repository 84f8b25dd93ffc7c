package dev.eventpipeline.window;

import dev.eventpipeline.config.WindowSpec;
import dev.eventpipeline.job.PipelineTopology;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class LateEventRouterOperatorTest {

    private static final WindowSpec TUMBLING_60S = WindowSpec.tumbling(60_000);

    /** Watermark at which window [10:00, 10:01) has closed. */
    private static final long FIRST_MINUTE_CLOSED = TEN_O_CLOCK + 60_000 - 1;

    private static OneInputStreamOperatorTestHarness<Event, Event> harness(
            int parallelism, int subtask) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new LateEventRouterOperator(
                        new LateEventRouter(
                                List.of(TUMBLING_60S), 0, PipelineTopology.DEAD_LETTERS)),
                128,
                parallelism,
                subtask);
    }

    private static OperatorSubtaskState snapshotAfterWatermark(
            long watermark, int parallelism, int subtask) throws Exception {
        try (var harness = harness(parallelism, subtask)) {
            harness.open();
            harness.processWatermark(new Watermark(watermark));
            return harness.snapshot(1, 1);
        }
    }

    private static List<String> lateIds(OneInputStreamOperatorTestHarness<Event, Event> harness) {
        var letters = harness.getSideOutput(PipelineTopology.DEAD_LETTERS);
        if (letters == null) {
            // The harness creates the side-output queue with the first record sent to it.
            return List.of();
        }
        return letters.stream()
                .map(record -> record.getValue().raw.value)
                .map(value -> new String(value).replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"))
                .collect(Collectors.toList());
    }

    private static void feedFirstAndSecondMinute(
            OneInputStreamOperatorTestHarness<Event, Event> harness) throws Exception {
        harness.processElement(
                new StreamRecord<>(TestEvents.event("first", TEN_O_CLOCK + 30_000, "k", 1)));
        harness.processElement(
                new StreamRecord<>(TestEvents.event("second", TEN_O_CLOCK + 60_000, "k", 1)));
    }

    @Test
    void restoredRouterKeepsClosedWindowsClosed() throws Exception {
        OperatorSubtaskState state = snapshotAfterWatermark(FIRST_MINUTE_CLOSED, 1, 0);

        try (var restored = harness(1, 0)) {
            restored.initializeState(state);
            restored.open();
            // No watermark has arrived since the restore.
            feedFirstAndSecondMinute(restored);

            assertThat(lateIds(restored)).as("late after restore").containsExactly("first");
            assertThat(restored.extractOutputValues())
                    .extracting(event -> event.id)
                    .as("accepted after restore")
                    .containsExactly("second");
        }
    }

    @Test
    void freshRouterAcceptsBeforeFirstWatermark() throws Exception {
        try (var fresh = harness(1, 0)) {
            fresh.open();
            feedFirstAndSecondMinute(fresh);

            assertThat(lateIds(fresh)).as("late without a watermark").isEmpty();
            assertThat(fresh.extractOutputValues()).as("accepted").hasSize(2);
        }
    }

    @Test
    void rescaledRouterUsesLowestWatermark() throws Exception {
        OperatorSubtaskState ahead = snapshotAfterWatermark(TEN_O_CLOCK + 120_000, 2, 0);
        OperatorSubtaskState behind = snapshotAfterWatermark(FIRST_MINUTE_CLOSED, 2, 1);
        OperatorSubtaskState merged =
                AbstractStreamOperatorTestHarness.repackageState(ahead, behind);

        try (var restored = harness(1, 0)) {
            restored.initializeState(merged);
            restored.open();
            feedFirstAndSecondMinute(restored);

            // The lower watermark closes only the first minute, so the second stays open.
            assertThat(lateIds(restored)).as("late after rescale").containsExactly("first");
        }
    }

    @Test
    void newerWatermarkOverridesRestoredFloor() throws Exception {
        OperatorSubtaskState state = snapshotAfterWatermark(FIRST_MINUTE_CLOSED, 1, 0);

        try (var restored = harness(1, 0)) {
            restored.initializeState(state);
            restored.open();
            restored.processWatermark(new Watermark(TEN_O_CLOCK + 120_000 - 1));
            feedFirstAndSecondMinute(restored);

            assertThat(lateIds(restored)).as("late").containsExactly("first", "second");
        }
    }
}
