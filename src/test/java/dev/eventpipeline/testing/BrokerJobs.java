package dev.eventpipeline.testing;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.metrics.PipelineMetrics;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Settings and helpers shared by the jobs that the RabbitMQ and NATS tests run. */
public final class BrokerJobs {

    private BrokerJobs() {}

    /**
     * Settings of a bounded job at parallelism 2 over {@link BrokerInput}, with results in Kafka
     * topic {@code resultsTopic} and checkpoints every 300 ms.
     */
    public static Map<String, String> baseSettings(
            String jobName, KafkaBroker kafka, String resultsTopic) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("name", jobName);
        settings.put("sink.bootstrap-servers", kafka.bootstrapServers());
        settings.put("sink.topic", resultsTopic);
        settings.put("sink.transaction-timeout", "2min");
        settings.put("windows", String.join(",", BrokerInput.WINDOWS));
        settings.put("watermark.max-out-of-orderness", BrokerInput.OUT_OF_ORDERNESS);
        settings.put("parallelism", "2");
        settings.put("checkpoint.interval", "300ms");
        settings.put("bounded", "true");
        return settings;
    }

    public static JobConfig config(Map<String, String> settings) {
        return JobConfigLoader.build(settings, Map.of());
    }

    /**
     * Returns an environment of the test's MiniCluster that keeps checkpoints under {@code dir}.
     */
    public static StreamExecutionEnvironment environment(Path dir) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration storage = new Configuration();
        storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
        env.configure(storage);
        return env;
    }

    /** Returns the value of a job accumulator, 0 when the job never registered it. */
    public static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value == null ? 0 : ((Number) value).longValue();
    }

    /**
     * Asserts that one run over all of {@code input} counted every message in the right class, none
     * late, and committed exactly the expected aggregates to {@code resultsTopic}.
     */
    public static void assertExactRun(
            JobExecutionResult result,
            BrokerInput input,
            String bootstrapServers,
            String resultsTopic) {
        assertThat(counter(result, PipelineMetrics.RECORDS_IN))
                .as("records in")
                .isEqualTo(input.messages.size());
        assertThat(counter(result, PipelineMetrics.INVALID)).as("invalid").isEqualTo(input.invalid);
        assertThat(counter(result, PipelineMetrics.DUPLICATES))
                .as("duplicates")
                .isEqualTo(input.duplicates);
        assertThat(counter(result, PipelineMetrics.LATE)).as("late").isZero();
        assertThat(counter(result, PipelineMetrics.ACCEPTED)).as("accepted").isEqualTo(input.valid);
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(bootstrapServers, resultsTopic),
                input.expectedAggregates);
    }
}
