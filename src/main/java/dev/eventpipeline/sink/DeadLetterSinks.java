package dev.eventpipeline.sink;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.WindowResult;
import dev.eventpipeline.sink.nats.NatsDeadLetterSink;
import dev.eventpipeline.sink.rabbitmq.RabbitMqDeadLetterSink;

import org.apache.flink.streaming.api.datastream.DataStream;

/** Attaches the results sink and the dead-letter sink a job file names. */
public final class DeadLetterSinks {

    private DeadLetterSinks() {}

    public static void attach(
            DataStream<WindowResult> results,
            DataStream<DeadLetter> deadLetters,
            JobConfig config) {
        results.sinkTo(KafkaSinks.results(config))
                .uid(OperatorIds.RESULTS_SINK_UID)
                .name(OperatorIds.RESULTS_SINK_NAME);
        switch (config.deadLetterType()) {
            case KAFKA:
                deadLetters
                        .sinkTo(KafkaSinks.deadLetters(config))
                        .uid(OperatorIds.DEAD_LETTER_SINK_UID)
                        .name(OperatorIds.DEAD_LETTER_SINK_NAME);
                break;
            case RABBITMQ:
                deadLetters
                        .sinkTo(RabbitMqDeadLetterSink.fromConfig(config))
                        .uid(OperatorIds.RABBITMQ_DEAD_LETTER_SINK_UID)
                        .name(OperatorIds.DEAD_LETTER_SINK_NAME);
                break;
            case NATS:
                deadLetters
                        .sinkTo(NatsDeadLetterSink.fromConfig(config))
                        .uid(OperatorIds.NATS_DEAD_LETTER_SINK_UID)
                        .name(OperatorIds.DEAD_LETTER_SINK_NAME);
                break;
            default:
                throw new UnsupportedOperationException(
                        "dlq.type " + config.deadLetterType() + " is not available in this build");
        }
    }
}
