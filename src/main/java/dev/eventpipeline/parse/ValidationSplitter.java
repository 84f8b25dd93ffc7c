package dev.eventpipeline.parse;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends valid events on and invalid records, with their original bytes and cause, to the
 * dead-letter side output. Counts every record in, and every invalid one.
 */
public class ValidationSplitter extends ProcessFunction<SourceRecord, Event> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ValidationSplitter.class);

    private final OutputTag<DeadLetter> deadLetters;

    private transient Counter recordsIn;
    private transient Counter invalid;
    private transient Counter failed;
    private transient LongCounter recordsInTotal;
    private transient LongCounter invalidTotal;

    public ValidationSplitter(OutputTag<DeadLetter> deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        recordsIn = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.RECORDS_IN);
        invalid = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.INVALID);
        failed = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.FAILED);
        recordsInTotal = getRuntimeContext().getLongCounter(PipelineMetrics.RECORDS_IN);
        invalidTotal = getRuntimeContext().getLongCounter(PipelineMetrics.INVALID);
        logRestart();
    }

    /**
     * Logs a restart once per subtask. Flink restarts every task of the job after a failure, and
     * this operator runs first after the source, so the line appears once per restart and subtask.
     * The task does not see the cause, which Flink logs on the JobManager.
     */
    private void logRestart() {
        int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        if (attempt > 0) {
            LOG.warn(
                    "Job '{}' subtask {} restarted after a failure (attempt {}) and resumes from"
                            + " the last completed checkpoint. The cause is in the JobManager log"
                            + " (\"switched from state RUNNING to RESTARTING\" and the exception"
                            + " before it) and under Exceptions in the web UI.",
                    getRuntimeContext().getJobInfo().getJobName(),
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    attempt);
        }
    }

    @Override
    public void processElement(SourceRecord record, Context ctx, Collector<Event> out) {
        recordsIn.inc();
        recordsInTotal.add(1);
        if (record.isValid()) {
            out.collect(record.event);
            return;
        }
        invalid.inc();
        invalidTotal.add(1);
        if (record.failed) {
            failed.inc();
            LOG.warn("Parsing threw on record {}: {}", record.raw, record.error);
            ctx.output(deadLetters, new DeadLetter(record.raw, DeadLetter.FAILED, record.error));
        } else {
            ctx.output(deadLetters, new DeadLetter(record.raw, DeadLetter.INVALID, record.error));
        }
    }
}
