package dev.eventpipeline.metrics;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Passes records through unchanged and reports the event-time lag of its input as the gauge {@value
 * PipelineMetrics#EVENT_TIME_LAG}: processing time minus the current watermark, in milliseconds.
 *
 * <p>The operator sees the watermark that Flink combines from all its input channels, so placed
 * before the window operators it reports the job's watermark, the minimum over the source
 * partitions that are not idle. The gauge is {@value #NO_WATERMARK} until the first watermark
 * arrives, and 0 once the end-of-input watermark of a bounded run has passed. While no input
 * arrives the watermark stands still and the lag grows with wall-clock time, which is what the lag
 * alert is meant to catch. The lag is negative when event times run ahead of this host's clock.
 */
public class EventTimeLagOperator<T> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T> {

    private static final long serialVersionUID = 1L;

    /** Gauge value before the first watermark. */
    public static final long NO_WATERMARK = -1L;

    private transient volatile long currentWatermark;

    public EventTimeLagOperator() {
        // Chained to its predecessor, so the extra operator costs one method call per record.
        setChainingStrategy(ChainingStrategy.ALWAYS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        currentWatermark = Long.MIN_VALUE;
        getMetricGroup().gauge(PipelineMetrics.EVENT_TIME_LAG, this::eventTimeLagMillis);
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        currentWatermark = mark.getTimestamp();
        super.processWatermark(mark);
    }

    /**
     * Returns processing time minus the current watermark, or the special values described above.
     */
    public long eventTimeLagMillis() {
        long watermark = currentWatermark;
        if (watermark == Long.MIN_VALUE) {
            return NO_WATERMARK;
        }
        if (watermark == Long.MAX_VALUE) {
            return 0L;
        }
        return getProcessingTimeService().getCurrentProcessingTime() - watermark;
    }
}
