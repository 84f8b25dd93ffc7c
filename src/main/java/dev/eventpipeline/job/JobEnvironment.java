package dev.eventpipeline.job;

import dev.eventpipeline.config.Durations;
import dev.eventpipeline.config.JobConfig;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.rocksdb.CompressionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Applies the job's execution defaults to an environment: exactly-once checkpoints, RocksDB with
 * incremental checkpoints, bloom filters and uncompressed L0 and L1, checkpoints retained on
 * cancellation and an exponential-delay restart strategy. Each default applies only where the
 * cluster configuration leaves the option unset, so a cluster's own {@code config.yaml} always
 * wins.
 */
public final class JobEnvironment {

    private static final Logger LOG = LoggerFactory.getLogger(JobEnvironment.class);

    private JobEnvironment() {}

    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        ReadableConfig cluster = env.getConfiguration();
        Configuration defaults = new Configuration();

        if (cluster.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isEmpty()) {
            defaults.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpointInterval());
            defaults.set(
                    CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                    CheckpointingMode.EXACTLY_ONCE);
        }
        // Checkpoints turn unaligned when alignment takes 5 s, so backpressure cannot hold a
        // source up for long (see execution.checkpointing.unaligned.enabled in
        // flink-conf/config.yaml for the measured reason).
        setIfAbsent(cluster, defaults, CheckpointingOptions.ENABLE_UNALIGNED, true);
        setIfAbsent(
                cluster,
                defaults,
                CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT,
                Duration.ofSeconds(5));
        setIfAbsent(cluster, defaults, StateBackendOptions.STATE_BACKEND, "rocksdb");
        setIfAbsent(cluster, defaults, CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // The dedup stage's lookups mostly miss; bloom filters let them skip files (see
        // state.backend.rocksdb.use-bloom-filter in flink-conf/config.yaml for the measurement).
        setIfAbsent(cluster, defaults, RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // L0 and L1 are rewritten soon after each checkpoint's flush, so they stay uncompressed
        // (see state.backend.rocksdb.compression.per.level in flink-conf/config.yaml).
        setIfAbsent(
                cluster,
                defaults,
                RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL,
                List.of(
                        CompressionType.NO_COMPRESSION,
                        CompressionType.NO_COMPRESSION,
                        CompressionType.LZ4_COMPRESSION));
        setIfAbsent(
                cluster,
                defaults,
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (cluster.getOptional(RestartStrategyOptions.RESTART_STRATEGY).isEmpty()) {
            defaults.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
            defaults.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                    Duration.ofSeconds(1));
            defaults.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                    Duration.ofMinutes(1));
            defaults.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
                    2.0);
            defaults.set(
                    RestartStrategyOptions
                            .RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                    Duration.ofMinutes(10));
            defaults.set(
                    RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        }
        env.configure(defaults);

        if (config.parallelism() != null) {
            env.setParallelism(config.parallelism());
        }
        // Every type on the wire has a POJO or explicit serializer; Kryo would be a silent
        // slowdown.
        env.getConfig().disableGenericTypes();
        // No stage mutates its input or keeps a reference to it after emitting.
        env.getConfig().enableObjectReuse();

        LOG.info(
                "Execution settings: checkpoint interval {}, state backend {}, restart strategy {}"
                        + " (job defaults: {})",
                env.getCheckpointConfig().isCheckpointingEnabled()
                        ? Durations.format(
                                Duration.ofMillis(
                                        env.getCheckpointConfig().getCheckpointInterval()))
                        : "off",
                env.getConfiguration().get(StateBackendOptions.STATE_BACKEND),
                env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY),
                defaults.keySet());
    }

    private static <T> void setIfAbsent(
            ReadableConfig cluster, Configuration defaults, ConfigOption<T> option, T value) {
        if (cluster.getOptional(option).isEmpty()) {
            defaults.set(option, value);
        }
    }
}
