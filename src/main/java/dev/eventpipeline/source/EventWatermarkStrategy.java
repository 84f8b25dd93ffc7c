package dev.eventpipeline.source;

import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import java.time.Duration;

/**
 * Watermarks as the data contract defines them: per source partition, the largest {@code ts} of the
 * valid records read so far (duplicates and late records included) minus the out-of-orderness
 * bound; a partition that stays silent for the idle timeout stops holding the watermark back.
 *
 * <p>Invalid records get {@link Long#MIN_VALUE} as their timestamp, so they never move a watermark.
 * Flink's watermark {@code W} means "no more events at or before W", one millisecond below the
 * contract's "max ts minus bound"; the late router uses Flink's convention throughout.
 */
public final class EventWatermarkStrategy {

    private EventWatermarkStrategy() {}

    /** Builds the strategy; a zero {@code idleTimeout} turns idleness detection off. */
    public static WatermarkStrategy<SourceRecord> create(
            Duration maxOutOfOrderness, Duration idleTimeout) {
        WatermarkStrategy<SourceRecord> strategy =
                WatermarkStrategy.<SourceRecord>forBoundedOutOfOrderness(maxOutOfOrderness)
                        .withTimestampAssigner(
                                (record, previous) ->
                                        record.event != null
                                                ? record.event.timestamp
                                                : Long.MIN_VALUE);
        return idleTimeout.isZero() ? strategy : strategy.withIdleness(idleTimeout);
    }
}
