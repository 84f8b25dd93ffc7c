package dev.eventpipeline.job;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.sink.DeadLetterSinks;
import dev.eventpipeline.sink.TransactionTimeoutCheck;
import dev.eventpipeline.source.EventSources;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the stream job: {@code --job FILE} and {@code --set KEY=VALUE} overrides. Reads
 * events, validates, deduplicates and aggregates them in event-time windows, and writes results and
 * dead letters exactly once.
 */
public final class PipelineJob {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineJob.class);

    private PipelineJob() {}

    public static void main(String[] args) throws Exception {
        if (JobConfigLoader.asksForHelp(args)) {
            System.out.println(JobConfigLoader.USAGE);
            return;
        }
        JobConfig config;
        try {
            config = JobConfigLoader.fromArgs(args);
        } catch (ConfigException e) {
            LOG.error("Configuration error: {}", e.getMessage());
            throw e;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, config);
        LOG.info("Submitting job '{}'", config.name());
        env.execute(config.name());
    }

    /** Checks the configuration against the brokers and adds the whole job graph to {@code env}. */
    public static void define(StreamExecutionEnvironment env, JobConfig config) {
        LOG.info("Starting job '{}' with configuration {}", config.name(), config.describe());
        TransactionTimeoutCheck.verify(config);
        JobEnvironment.configure(env, config);
        DataStream<SourceRecord> input = EventSources.create(env, config);
        PipelineTopology.Outputs outputs = PipelineTopology.build(input, config);
        DeadLetterSinks.attach(outputs.results, outputs.deadLetters, config);
    }
}
