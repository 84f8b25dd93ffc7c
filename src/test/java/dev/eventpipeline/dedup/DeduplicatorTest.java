package dev.eventpipeline.dedup;

import dev.eventpipeline.model.Event;
import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DeduplicatorTest {

    private static final Duration TTL = Duration.ofMinutes(10);

    /** The default filter size of a job file. */
    private static final long FILTER = 32L << 20;

    /** A filter of 204 ids, which a test fills on purpose. */
    private static final long SMALLEST_FILTER = SeenIdFilter.MIN_BYTES;

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness(
            long filterBytes, boolean rocksDb) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new DeduplicatorOperator(new Deduplicator(TTL, filterBytes)),
                        event -> event.id,
                        Types.STRING);
        harness.setStateBackend(
                rocksDb ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> opened(
            long filterBytes) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness =
                harness(filterBytes, false);
        harness.open();
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> restored(
            OperatorSubtaskState snapshot, long filterBytes, boolean rocksDb) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness =
                harness(filterBytes, rocksDb);
        harness.initializeState(snapshot);
        harness.open();
        return harness;
    }

    private static void process(
            KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness,
            String id,
            double value)
            throws Exception {
        harness.processElement(new StreamRecord<>(TestEvents.event(id, 1000, "k", value), 1000));
    }

    private static List<String> emittedIds(
            KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness) {
        return harness.extractOutputValues().stream()
                .map(event -> event.id + "=" + event.value)
                .collect(Collectors.toList());
    }

    private static List<String> ids(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }

    @ParameterizedTest(name = "filter of {0} bytes")
    @ValueSource(longs = {0, FILTER})
    void duplicateIsDroppedAndFirstWins(long filterBytes) throws Exception {
        try (var harness = opened(filterBytes)) {
            process(harness, "a", 1);
            harness.processElement(
                    new StreamRecord<>(TestEvents.event("a", 2000, "other", 2), 2000));
            process(harness, "b", 3);

            assertThat(emittedIds(harness)).containsExactly("a=1.0", "b=3.0");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "filter of {0} bytes")
    @ValueSource(longs = {0, FILTER})
    void idsAreComparedExactly(long filterBytes) throws Exception {
        try (var harness = opened(filterBytes)) {
            process(harness, "a", 1);
            process(harness, "A", 2);
            process(harness, "a ", 3);

            assertThat(emittedIds(harness)).containsExactly("a=1.0", "A=2.0", "a =3.0");
        }
    }

    @ParameterizedTest(name = "filter of {0} bytes")
    @ValueSource(longs = {0, FILTER})
    void idIsForgottenAfterTtlOfProcessingTime(long filterBytes) throws Exception {
        try (var harness = opened(filterBytes)) {
            harness.setStateTtlProcessingTime(0);
            harness.setProcessingTime(0);
            process(harness, "a", 1);

            harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
            harness.setProcessingTime(TTL.toMillis() - 1);
            process(harness, "a", 2);

            harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
            harness.setProcessingTime(TTL.toMillis() + 1);
            process(harness, "a", 3);

            // The duplicate inside the TTL is dropped and does not refresh it (not a write).
            assertThat(emittedIds(harness)).containsExactly("a=1.0", "a=3.0");
        }
    }

    @Test
    void filterKeepsIdWhileStateDoes() throws Exception {
        try (var harness = opened(FILTER)) {
            harness.setStateTtlProcessingTime(0);
            harness.setProcessingTime(0);
            process(harness, "a", 1);

            // The filter's generations turn over every half TTL; "a" stays in the state for a
            // whole TTL, and a duplicate just before that must still be found.
            long beforeExpiry = TTL.toMillis() - 1;
            for (long t = 0; t <= beforeExpiry; t += TTL.toMillis() / 4) {
                harness.setStateTtlProcessingTime(t);
                harness.setProcessingTime(t);
                process(harness, "filler-" + t, 0);
            }
            harness.setStateTtlProcessingTime(beforeExpiry);
            harness.setProcessingTime(beforeExpiry);
            process(harness, "a", 2);

            long afterExpiry = TTL.toMillis() + SeenIdFilter.EXPIRY_MARGIN_MILLIS + 1;
            harness.setStateTtlProcessingTime(afterExpiry);
            harness.setProcessingTime(afterExpiry);
            process(harness, "a", 3);

            assertThat(emittedIds(harness)).contains("a=1.0", "a=3.0").doesNotContain("a=2.0");
        }
    }

    @Test
    void fullFilterDropsEveryDuplicate() throws Exception {
        try (var harness = opened(SMALLEST_FILTER)) {
            List<String> ids = ids("id", 1000);
            for (String id : ids) {
                process(harness, id, 1);
            }
            for (String id : ids) {
                process(harness, id, 2);
            }
            process(harness, "new", 3);

            assertThat(harness.extractOutputValues()).hasSize(1001);
            assertThat(emittedIds(harness)).doesNotContain("id-0=2.0", "id-999=2.0");
            assertThat(emittedIds(harness)).endsWith("new=3.0");
        }
    }

    @ParameterizedTest(name = "RocksDB {0}")
    @ValueSource(booleans = {false, true})
    void restoreFillsTheFilter(boolean rocksDb) throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(FILTER, rocksDb)) {
            harness.open();
            process(harness, "a", 1);
            process(harness, "b", 2);
            snapshot = harness.snapshot(1L, 1L);
        }

        try (var restored = restored(snapshot, FILTER, rocksDb)) {
            process(restored, "a", 9);
            process(restored, "c", 3);
            process(restored, "b", 9);

            assertThat(emittedIds(restored)).containsExactly("c=3.0");
            if (!rocksDb) {
                assertThat(restored.numKeyedStateEntries()).isEqualTo(3);
            }
        }
    }

    @Test
    void restoreBeyondFilterSizeDropsDuplicates() throws Exception {
        List<String> ids = ids("id", 500);
        OperatorSubtaskState snapshot;
        try (var harness = harness(SMALLEST_FILTER, true)) {
            harness.open();
            for (String id : ids) {
                process(harness, id, 1);
            }
            snapshot = harness.snapshot(1L, 1L);
        }

        try (var restored = restored(snapshot, SMALLEST_FILTER, true)) {
            for (String id : ids) {
                process(restored, id, 2);
            }
            process(restored, "new", 3);

            assertThat(emittedIds(restored)).containsExactly("new=3.0");
        }
    }

    @Test
    void filterAboveHalfTheHeapFailsAtStart() throws Exception {
        long tooLarge = Runtime.getRuntime().maxMemory() / 2 + 1;
        assumeTrue(tooLarge <= SeenIdFilter.MAX_BYTES, "the heap is larger than any filter");
        try (var harness = harness(tooLarge, false)) {
            assertThatThrownBy(harness::open)
                    .isInstanceOf(IllegalConfigurationException.class)
                    .hasMessageContaining("'dedup.filter-memory'")
                    .hasMessageContaining("more than half of this TaskManager's heap");
        }
    }

    @Test
    void plainOperatorSavepointRestores() throws Exception {
        OperatorSubtaskState snapshot;
        try (var plain =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new Deduplicator(TTL, 0)),
                        (Event event) -> event.id,
                        Types.STRING)) {
            plain.setStateBackend(new EmbeddedRocksDBStateBackend());
            plain.open();
            process(plain, "a", 1);
            snapshot = plain.snapshot(1L, 1L);
        }

        try (var restored = restored(snapshot, FILTER, true)) {
            process(restored, "a", 2);
            process(restored, "b", 3);

            assertThat(emittedIds(restored)).containsExactly("b=3.0");
        }
    }
}
