package dev.eventpipeline.dedup;

import dev.eventpipeline.model.Event;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class DeduplicatorTest {

    private static final Duration TTL = Duration.ofMinutes(10);

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness()
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new Deduplicator(TTL)),
                        event -> event.id,
                        Types.STRING);
        harness.open();
        return harness;
    }

    private static List<String> emittedIds(
            KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness) {
        return harness.extractOutputValues().stream()
                .map(event -> event.id + "=" + event.value)
                .collect(Collectors.toList());
    }

    @Test
    void duplicateIsDroppedAndFirstWins() throws Exception {
        try (var harness = harness()) {
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 1), 1000));
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("a", 2000, "other", 2), 2000));
            harness.processElement(new StreamRecord<>(TestEvents.event("b", 3000, "k", 3), 3000));

            assertThat(emittedIds(harness)).containsExactly("a=1.0", "b=3.0");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        }
    }

    @Test
    void idsAreComparedExactly() throws Exception {
        try (var harness = harness()) {
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 1), 1000));
            harness.processElement(new StreamRecord<>(TestEvents.event("A", 1000, "k", 2), 1000));
            harness.processElement(new StreamRecord<>(TestEvents.event("a ", 1000, "k", 3), 1000));

            assertThat(emittedIds(harness)).containsExactly("a=1.0", "A=2.0", "a =3.0");
        }
    }

    @Test
    void idIsForgottenAfterTtlOfProcessingTime() throws Exception {
        try (var harness = harness()) {
            harness.setStateTtlProcessingTime(0);
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 1), 1000));

            harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 2), 1000));

            harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 3), 1000));

            // The duplicate inside the TTL is dropped and does not refresh it (not a write).
            assertThat(emittedIds(harness)).containsExactly("a=1.0", "a=3.0");
        }
    }

    @Test
    void snapshotAndRestoreKeepTheIds() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            harness.processElement(new StreamRecord<>(TestEvents.event("a", 1000, "k", 1), 1000));
            harness.processElement(new StreamRecord<>(TestEvents.event("b", 1000, "k", 2), 1000));
            snapshot = harness.snapshot(1L, 1L);
        }

        KeyedOneInputStreamOperatorTestHarness<String, Event, Event> restored =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new Deduplicator(TTL)),
                        event -> event.id,
                        Types.STRING);
        try (restored) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(new StreamRecord<>(TestEvents.event("a", 5000, "k", 9), 5000));
            restored.processElement(new StreamRecord<>(TestEvents.event("c", 5000, "k", 3), 5000));

            assertThat(emittedIds(restored)).containsExactly("c=3.0");
            assertThat(restored.numKeyedStateEntries()).isEqualTo(3);
        }
    }
}
