package dev.eventpipeline.job;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.dedup.Deduplicator;
import dev.eventpipeline.dedup.DeduplicatorOperator;
import dev.eventpipeline.metrics.EventTimeLagOperator;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.model.WindowResult;
import dev.eventpipeline.parse.ValidationSplitter;
import dev.eventpipeline.window.LateEventRouter;
import dev.eventpipeline.window.LateEventRouterOperator;
import dev.eventpipeline.window.WindowStage;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Wires the stages between a source and the two sinks: validate, deduplicate, route late events,
 * aggregate per window spec. It takes the source stream and returns the result and dead-letter
 * streams, so tests can feed and collect them without Kafka.
 */
public final class PipelineTopology {

    /** Side output of every stage that gives up on a record. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** The two streams that leave the pipeline. */
    public static final class Outputs {
        public final DataStream<WindowResult> results;
        public final DataStream<DeadLetter> deadLetters;

        Outputs(DataStream<WindowResult> results, DataStream<DeadLetter> deadLetters) {
            this.results = results;
            this.deadLetters = deadLetters;
        }
    }

    private PipelineTopology() {}

    /** Builds the pipeline on {@code input}, whose records already carry event-time watermarks. */
    public static Outputs build(DataStream<SourceRecord> input, JobConfig config) {
        // Invalid records leave here, with their original bytes.
        SingleOutputStreamOperator<Event> validEvents =
                input.process(new ValidationSplitter(DEAD_LETTERS))
                        .uid(OperatorIds.VALIDATE_UID)
                        .name(OperatorIds.VALIDATE_NAME);

        // The first event of each id wins; later ones are counted and dropped.
        SingleOutputStreamOperator<Event> uniqueEvents =
                validEvents
                        .keyBy(event -> event.id)
                        .transform(
                                OperatorIds.DEDUP_NAME,
                                validEvents.getType(),
                                new DeduplicatorOperator(
                                        new Deduplicator(
                                                config.dedupTtl(), config.dedupFilterBytes())))
                        .uid(OperatorIds.DEDUP_UID)
                        .name(OperatorIds.DEDUP_NAME);

        // Late events leave before any window sees them, so each is in all its windows or none.
        // The router runs on the windows' partitioning (by group key) and forwards to them one to
        // one, so every window operator sees exactly the watermark the router decided with, also
        // after an input was idle. It keeps its watermark in checkpoints, so replayed late events
        // stay late.
        SingleOutputStreamOperator<Event> acceptedEvents =
                uniqueEvents
                        .keyBy(event -> event.key)
                        .transform(
                                OperatorIds.LATE_ROUTER_NAME,
                                uniqueEvents.getType(),
                                new LateEventRouterOperator(
                                        new LateEventRouter(
                                                config.windows(),
                                                config.allowedLateness().toMillis(),
                                                DEAD_LETTERS)))
                        .uid(OperatorIds.LATE_ROUTER_UID)
                        .name(OperatorIds.LATE_ROUTER_NAME);

        // Reports processing time minus the watermark that the window operators see.
        DataStream<Event> measuredEvents =
                acceptedEvents
                        .transform(
                                OperatorIds.EVENT_TIME_LAG_NAME,
                                acceptedEvents.getType(),
                                new EventTimeLagOperator<Event>())
                        .uid(OperatorIds.EVENT_TIME_LAG_UID);

        DataStream<WindowResult> windowResults =
                WindowStage.apply(measuredEvents, config.windows(), config.allowedLateness());

        DataStream<DeadLetter> deadLetters =
                validEvents
                        .getSideOutput(DEAD_LETTERS)
                        .union(acceptedEvents.getSideOutput(DEAD_LETTERS));
        return new Outputs(windowResults, deadLetters);
    }
}
