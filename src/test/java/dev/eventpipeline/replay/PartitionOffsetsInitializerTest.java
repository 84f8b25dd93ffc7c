package dev.eventpipeline.replay;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionOffsetsInitializerTest {

    private static final TopicPartition P0 = new TopicPartition("dead-letters", 0);
    private static final TopicPartition P1 = new TopicPartition("dead-letters", 1);
    private static final TopicPartition P2 = new TopicPartition("dead-letters", 2);

    /** Offsets of a topic whose partitions start at 5 and end at 50; 7 is committed. */
    private static final OffsetsInitializer.PartitionOffsetsRetriever OFFSETS =
            new OffsetsInitializer.PartitionOffsetsRetriever() {
                @Override
                public Map<TopicPartition, Long> committedOffsets(
                        Collection<TopicPartition> partitions) {
                    return each(partitions, 7L);
                }

                @Override
                public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
                    return each(partitions, 50L);
                }

                @Override
                public Map<TopicPartition, Long> beginningOffsets(
                        Collection<TopicPartition> partitions) {
                    return each(partitions, 5L);
                }

                @Override
                public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                        Map<TopicPartition, Long> timestamps) {
                    throw new UnsupportedOperationException();
                }
            };

    private static Map<TopicPartition, Long> each(Collection<TopicPartition> partitions, long o) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        partitions.forEach(partition -> offsets.put(partition, o));
        return offsets;
    }

    @Test
    void startFallsBackToBeginning() {
        Map<TopicPartition, Long> offsets =
                PartitionOffsetsInitializer.start(Map.of(1, 20L))
                        .getPartitionOffsets(List.of(P0, P1, P2), OFFSETS);

        assertThat(offsets).containsOnly(Map.entry(P0, 5L), Map.entry(P1, 20L), Map.entry(P2, 5L));
    }

    @Test
    void endFallsBackToEnd() {
        Map<TopicPartition, Long> offsets =
                PartitionOffsetsInitializer.end(Map.of(0, 30L))
                        .getPartitionOffsets(List.of(P0, P1, P2), OFFSETS);

        assertThat(offsets)
                .containsOnly(Map.entry(P0, 30L), Map.entry(P1, 50L), Map.entry(P2, 50L));
    }
}
