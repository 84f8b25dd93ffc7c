package dev.eventpipeline.source;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.source.nats.NatsSource;
import dev.eventpipeline.source.rabbitmq.RabbitMqEventSource;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Creates the input stream of the source type a job file names, with watermarks attached. */
public final class EventSources {

    private EventSources() {}

    public static DataStream<SourceRecord> create(
            StreamExecutionEnvironment env, JobConfig config) {
        WatermarkStrategy<SourceRecord> watermarks =
                EventWatermarkStrategy.create(config.maxOutOfOrderness(), config.idleTimeout());
        if (config.correlationIds() && config.sourceType() != JobConfig.Endpoint.RABBITMQ) {
            throw ConfigException.invalid(
                    "source.correlation-ids", "true", "false unless source.type is rabbitmq");
        }
        switch (config.sourceType()) {
            case KAFKA:
                return env.fromSource(
                                KafkaEventSource.create(config),
                                watermarks,
                                OperatorIds.SOURCE_NAME)
                        .uid(OperatorIds.SOURCE_UID);
            case RABBITMQ:
                requireCheckpointing(env, "rabbitmq");
                return RabbitMqEventSource.addTo(env, config, watermarks);
            case NATS:
                requireCheckpointing(env, "nats");
                return NatsSource.addTo(env, config, watermarks);
            default:
                throw new UnsupportedOperationException(
                        "source.type " + config.sourceType() + " is not available in this build");
        }
    }

    /** RabbitMQ and NATS messages are acknowledged on checkpoints, so they need checkpointing. */
    private static void requireCheckpointing(StreamExecutionEnvironment env, String type) {
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
            throw new ConfigException(
                    "source.type "
                            + type
                            + " needs checkpointing, because messages are acknowledged when a"
                            + " checkpoint completes. Set checkpoint.interval in the job file, or"
                            + " execution.checkpointing.interval in the cluster configuration.");
        }
    }
}
