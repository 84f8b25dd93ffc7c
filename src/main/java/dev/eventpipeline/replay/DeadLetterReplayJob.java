package dev.eventpipeline.replay;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.Durations;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.metrics.PipelineMetrics;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Properties;

/**
 * Entry point of the dead-letter replay: reads a range of the dead-letter topic, selects dead
 * letters by reason and job, and republishes each original record (key and value bytes unchanged)
 * to a target topic with {@code replay.*} headers naming the dead letter it came from.
 *
 * <p>Run it with {@code flink run -c dev.eventpipeline.replay.DeadLetterReplayJob
 * event-pipeline.jar --bootstrap-servers ... --to-topic ...}; see {@link ReplayOptions#USAGE}. The
 * job is bounded and exits once the range is written. It reads with {@code read_committed} and
 * writes in Kafka transactions committed on checkpoints, so within one run every selected dead
 * letter is written exactly once, also across restarts. A second run over the same range writes the
 * records again; the pipeline's deduplication by id drops those second copies while the dedup TTL
 * lasts.
 */
public final class DeadLetterReplayJob {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplayJob.class);

    private DeadLetterReplayJob() {}

    public static void main(String[] args) throws Exception {
        if (JobConfigLoader.asksForHelp(args)) {
            System.out.println(ReplayOptions.USAGE);
            return;
        }
        ReplayOptions options;
        try {
            options = ReplayOptions.parse(args);
        } catch (ConfigException e) {
            LOG.error("Configuration error: {}", e.getMessage());
            throw e;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, options);
        LOG.info("Submitting dead-letter replay '{}'", options.name());
        JobExecutionResult result = env.execute(options.name());
        if (result.isJobExecutionResult()) {
            LOG.info(
                    "Dead-letter replay '{}' finished: {} records read from {}, {} written to {}",
                    options.name(),
                    counter(result, PipelineMetrics.REPLAY_READ),
                    options.fromTopic(),
                    counter(result, PipelineMetrics.REPLAY_SELECTED),
                    options.toTopic());
        }
    }

    /** Checks the topics and adds the replay graph to {@code env}. */
    public static void define(StreamExecutionEnvironment env, ReplayOptions options) {
        LOG.info("Starting dead-letter replay '{}': {}", options.name(), options.describe());
        ReplayTopicsCheck.verify(options);
        configure(env, options);

        DataStream<StoredDeadLetter> deadLetters =
                env.fromSource(
                                source(options),
                                WatermarkStrategy.noWatermarks(),
                                OperatorIds.REPLAY_SOURCE_NAME)
                        .uid(OperatorIds.REPLAY_SOURCE_UID);

        deadLetters
                .filter(new DeadLetterSelector(options.reasons(), options.sourceJob()))
                .uid(OperatorIds.REPLAY_SELECT_UID)
                .name(OperatorIds.REPLAY_SELECT_NAME)
                .sinkTo(sink(options))
                .uid(OperatorIds.REPLAY_SINK_UID)
                .name(OperatorIds.REPLAY_SINK_NAME);
    }

    /** Sets exactly-once checkpoints where the cluster sets none, and the parallelism. */
    private static void configure(StreamExecutionEnvironment env, ReplayOptions options) {
        // The exactly-once sink commits its transaction when a checkpoint completes.
        if (env.getConfiguration()
                .getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .isEmpty()) {
            Configuration defaults = new Configuration();
            defaults.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, options.checkpointInterval());
            defaults.set(
                    CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                    CheckpointingMode.EXACTLY_ONCE);
            env.configure(defaults);
        }
        if (options.parallelism() != null) {
            env.setParallelism(options.parallelism());
        }
        env.getConfig().disableGenericTypes();
        LOG.info(
                "Replay checkpoint interval {}",
                env.getCheckpointConfig().isCheckpointingEnabled()
                        ? Durations.format(
                                java.time.Duration.ofMillis(
                                        env.getCheckpointConfig().getCheckpointInterval()))
                        : "off");
    }

    static KafkaSource<StoredDeadLetter> source(ReplayOptions options) {
        Properties properties = options.consumerProperties();
        // Aborted transactions of the pipeline's dead-letter sink must never be replayed.
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // The range is given on the command line; committed offsets would only mislead a rerun.
        properties.setProperty("commit.offsets.on.checkpoint", "false");
        return KafkaSource.<StoredDeadLetter>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setTopics(options.fromTopic())
                .setGroupId(options.name())
                .setClientIdPrefix(options.name())
                .setStartingOffsets(startOffsets(options))
                .setBounded(endOffsets(options))
                .setDeserializer(new DeadLetterRecordDeserializer())
                .setProperties(properties)
                .build();
    }

    static KafkaSink<StoredDeadLetter> sink(ReplayOptions options) {
        Properties properties = options.producerProperties();
        properties.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(options.transactionTimeout().toMillis()));
        return KafkaSink.<StoredDeadLetter>builder()
                .setBootstrapServers(options.bootstrapServers())
                .setRecordSerializer(new ReplaySerializer(options.toTopic(), options.name()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(options.transactionalIdPrefix())
                .setKafkaProducerConfig(properties)
                .build();
    }

    private static OffsetsInitializer startOffsets(ReplayOptions options) {
        switch (options.startKind()) {
            case TIME:
                return OffsetsInitializer.timestamp(options.startTime());
            case OFFSETS:
                return PartitionOffsetsInitializer.start(options.startOffsets());
            default:
                return OffsetsInitializer.earliest();
        }
    }

    private static OffsetsInitializer endOffsets(ReplayOptions options) {
        switch (options.endKind()) {
            case TIME:
                return OffsetsInitializer.timestamp(options.endTime());
            case OFFSETS:
                return PartitionOffsetsInitializer.end(options.endOffsets());
            default:
                return OffsetsInitializer.latest();
        }
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value == null ? 0 : ((Number) value).longValue();
    }
}
