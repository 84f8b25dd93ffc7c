package dev.eventpipeline.source;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.SourceRecord;

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
        switch (config.sourceType()) {
            case KAFKA:
                return env.fromSource(
                                KafkaEventSource.create(config),
                                watermarks,
                                OperatorIds.SOURCE_NAME)
                        .uid(OperatorIds.SOURCE_UID);
            default:
                throw new UnsupportedOperationException(
                        "source.type " + config.sourceType() + " is not available in this build");
        }
    }
}
