package dev.eventpipeline.replay;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts or stops each partition at a given offset; a partition without one gets the beginning
 * offset (for a start) or the end offset (for a stop).
 *
 * <p>Unlike {@link OffsetsInitializer#offsets(Map)}, this never consults a consumer group's
 * committed offsets, so a replay reads the same range however often it runs.
 */
public class PartitionOffsetsInitializer implements OffsetsInitializer {

    private static final long serialVersionUID = 1L;

    private final HashMap<Integer, Long> offsets;
    private final boolean fallBackToEnd;

    private PartitionOffsetsInitializer(Map<Integer, Long> offsets, boolean fallBackToEnd) {
        this.offsets = new HashMap<>(offsets);
        this.fallBackToEnd = fallBackToEnd;
    }

    /** Start offsets; partitions not in {@code offsets} start at their beginning offset. */
    public static PartitionOffsetsInitializer start(Map<Integer, Long> offsets) {
        return new PartitionOffsetsInitializer(offsets, false);
    }

    /** Stop offsets; partitions not in {@code offsets} stop at their end offset. */
    public static PartitionOffsetsInitializer end(Map<Integer, Long> offsets) {
        return new PartitionOffsetsInitializer(offsets, true);
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(
            Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> result = new HashMap<>();
        List<TopicPartition> unlisted = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long offset = offsets.get(partition.partition());
            if (offset == null) {
                unlisted.add(partition);
            } else {
                result.put(partition, offset);
            }
        }
        if (!unlisted.isEmpty()) {
            result.putAll(
                    fallBackToEnd
                            ? retriever.endOffsets(unlisted)
                            : retriever.beginningOffsets(unlisted));
        }
        return result;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        // Used when a start offset lies below the log start offset (deleted by retention).
        return OffsetResetStrategy.EARLIEST;
    }
}
