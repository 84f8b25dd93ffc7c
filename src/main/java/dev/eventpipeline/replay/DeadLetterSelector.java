package dev.eventpipeline.replay;

import dev.eventpipeline.metrics.PipelineMetrics;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

import java.util.HashSet;
import java.util.Set;

/**
 * Keeps the dead letters whose {@code dlq.reason} and {@code dlq.job} match the selection, and
 * counts every record read and every one skipped.
 */
public class DeadLetterSelector extends RichFilterFunction<StoredDeadLetter> {

    private static final long serialVersionUID = 1L;

    private final HashSet<String> reasons;
    private final String sourceJob;

    private transient Counter read;
    private transient Counter skipped;
    private transient LongCounter readTotal;
    private transient LongCounter selectedTotal;

    /**
     * Selects by {@code reasons} (empty: any reason, and records without the header too) and by
     * {@code sourceJob} (empty: any job).
     */
    public DeadLetterSelector(Set<String> reasons, String sourceJob) {
        this.reasons = new HashSet<>(reasons);
        this.sourceJob = sourceJob;
    }

    @Override
    public void open(OpenContext openContext) {
        read = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.REPLAY_READ);
        skipped = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.REPLAY_SKIPPED);
        readTotal = getRuntimeContext().getLongCounter(PipelineMetrics.REPLAY_READ);
        selectedTotal = getRuntimeContext().getLongCounter(PipelineMetrics.REPLAY_SELECTED);
    }

    @Override
    public boolean filter(StoredDeadLetter letter) {
        read.inc();
        readTotal.add(1);
        if (isSelected(letter)) {
            selectedTotal.add(1);
            return true;
        }
        skipped.inc();
        return false;
    }

    /** Whether {@code letter} matches the selection. */
    public boolean isSelected(StoredDeadLetter letter) {
        if (!reasons.isEmpty() && !reasons.contains(letter.reason)) {
            return false;
        }
        return sourceJob.isEmpty() || sourceJob.equals(letter.job);
    }
}
