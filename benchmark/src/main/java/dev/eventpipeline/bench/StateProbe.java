package dev.eventpipeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

/**
 * Measures the dedup state per id on RocksDB. A bounded run cannot show it, because operators that
 * have finished put no state into the final checkpoint. So the probe runs the job unbounded on the
 * benchmark topic until the source has committed the end offsets, which it does when a checkpoint
 * completes: that checkpoint contains every id. The dedup operator's share of the checkpoint
 * divided by the number of distinct valid ids is the state per id.
 */
final class StateProbe {

    private static final Logger LOG = LoggerFactory.getLogger(StateProbe.class);
    private static final Duration TIMEOUT = Duration.ofMinutes(8);

    /** Figures that the probe measured. */
    static final class Result {
        public long checkpointId;
        public long checkpointStateBytes;
        public long dedupStateBytes;
        public long distinctIds;
        public double dedupBytesPerId;
        public String dedupVertex;
    }

    private final Benchmark benchmark;

    StateProbe(Benchmark benchmark) {
        this.benchmark = benchmark;
    }

    Result run() throws Exception {
        FlinkCluster cluster = benchmark.cluster();
        String name = "bench-probe-" + benchmark.runId();
        String output = name + "-aggregates";
        String deadLetters = name + "-dead-letters";
        KafkaIo.createTopics(benchmark.bootstrapServers(), Map.of(output, 1, deadLetters, 1));
        Map<TopicPartition, Long> end =
                KafkaIo.endOffsets(benchmark.bootstrapServers(), benchmark.inputTopic());
        Result result = new Result();
        {
            String jobId =
                    cluster.submit(
                            benchmark.jobArguments(
                                    benchmark.jobJar(), name, output, deadLetters, false));
            LOG.info("State probe: job {} ({}) runs until it commits offsets {}", name, jobId, end);
            awaitCommitted(name, end);
            JsonNode completed =
                    cluster.rest("/jobs/" + jobId + "/checkpoints")
                            .path("latest")
                            .path("completed");
            result.checkpointId = completed.path("id").asLong();
            result.checkpointStateBytes = completed.path("state_size").asLong();
            JsonNode details =
                    cluster.rest("/jobs/" + jobId + "/checkpoints/details/" + result.checkpointId);
            JsonNode vertices = cluster.rest("/jobs/" + jobId).path("vertices");
            for (JsonNode vertex : vertices) {
                if (vertex.path("name").asText().contains("Deduplicate by id")) {
                    result.dedupVertex = vertex.path("name").asText();
                    result.dedupStateBytes =
                            details.path("tasks")
                                    .path(vertex.path("id").asText())
                                    .path("state_size")
                                    .asLong();
                }
            }
            cluster.cancel(jobId);
            cluster.awaitTerminal(jobId, Duration.ofMinutes(2));
        }
        result.distinctIds = ExpectedCounts.distinctIds(benchmark.input());
        result.dedupBytesPerId = (double) result.dedupStateBytes / result.distinctIds;
        LOG.info(
                "State probe: checkpoint {} holds {} bytes, {} of them in '{}', {} distinct ids:"
                        + " {} bytes per id",
                result.checkpointId,
                result.checkpointStateBytes,
                result.dedupStateBytes,
                result.dedupVertex,
                result.distinctIds,
                String.format("%.1f", result.dedupBytesPerId));
        KafkaIo.deleteTopicsWithPrefix(benchmark.bootstrapServers(), name);
        return result;
    }

    private void awaitCommitted(String group, Map<TopicPartition, Long> end) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    Benchmark.committedOffsets(benchmark.bootstrapServers(), group);
            boolean all = true;
            for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
                OffsetAndMetadata offset = committed.get(entry.getKey());
                if (offset == null || offset.offset() < entry.getValue()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the probe job did not commit " + end + " within " + TIMEOUT);
            }
            Thread.sleep(500);
        }
    }
}
