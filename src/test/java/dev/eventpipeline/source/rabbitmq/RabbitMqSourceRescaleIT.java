package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.testing.RabbitMqTestIo;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.StreamSource;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

/**
 * Restores the RabbitMQ source's checkpointed state at another parallelism, as a savepoint upgrade
 * that rescales the job does. The source connects to the RabbitMQ server on 127.0.0.1:5672 when it
 * opens.
 */
class RabbitMqSourceRescaleIT {

    private static final int MAX_PARALLELISM = 128;

    private final String queue = "rmq-rescale-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void deleteQueue() throws Exception {
        RabbitMqTestIo.deleteQueue(queue);
    }

    private JobConfig config() {
        return JobConfigLoader.build(
                Map.of(
                        "source.type",
                        "rabbitmq",
                        "source.uri",
                        RabbitMqTestIo.URI,
                        "source.queue",
                        queue,
                        "sink.bootstrap-servers",
                        "127.0.0.1:9092"),
                Map.of());
    }

    private AbstractStreamOperatorTestHarness<SourceRecord> harness(int parallelism, int subtask)
            throws Exception {
        AbstractStreamOperatorTestHarness<SourceRecord> harness =
                new AbstractStreamOperatorTestHarness<>(
                        new StreamSource<>(RabbitMqEventSource.fromConfig(config())),
                        MAX_PARALLELISM,
                        parallelism,
                        subtask);
        harness.getStreamConfig().setCheckpointingEnabled(true);
        harness.setup();
        return harness;
    }

    @Test
    void stateRestoresAtOtherParallelism() throws Exception {
        OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
        for (int subtask = 0; subtask < 2; subtask++) {
            AbstractStreamOperatorTestHarness<SourceRecord> harness = harness(2, subtask);
            harness.open();
            snapshots[subtask] = harness.snapshot(1, 1);
            harness.close();
        }
        OperatorSubtaskState savepoint =
                AbstractStreamOperatorTestHarness.repackageState(snapshots);

        for (int parallelism : new int[] {1, 3}) {
            for (int subtask = 0; subtask < parallelism; subtask++) {
                AbstractStreamOperatorTestHarness<SourceRecord> harness =
                        harness(parallelism, subtask);
                harness.initializeState(
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(
                                savepoint, MAX_PARALLELISM, 2, parallelism, subtask));
                harness.open();
                harness.snapshot(2, 2);
                harness.close();
            }
        }
    }
}
