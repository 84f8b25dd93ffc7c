package dev.eventpipeline.dedup;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.Event;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Drops every event whose id was seen before; the first event of an id wins, whatever its payload.
 * Keyed by event id; the state per id is one flag plus the TTL timestamp.
 *
 * <p>Note: Flink state TTL runs on processing time only. An id is forgotten once {@code ttl} of
 * wall-clock time has passed since it was stored, however far event time has moved, and a duplicate
 * arriving after that is accepted again. Replaying old data quickly therefore keeps ids for the
 * full TTL, while a job that was stopped for longer than the TTL finds them expired on restore.
 * Expired entries are never returned and are removed by the RocksDB compaction filter.
 */
public class Deduplicator extends KeyedProcessFunction<String, Event, Event> {

    private static final long serialVersionUID = 1L;

    /** Name of the state; part of savepoint compatibility, so it never changes. */
    public static final String STATE_NAME = "seen-id";

    private final Duration ttl;

    private transient ValueState<Boolean> seen;
    private transient Counter duplicates;
    private transient Counter idsStored;
    private transient LongCounter duplicatesTotal;

    public Deduplicator(Duration ttl) {
        this.ttl = ttl;
    }

    /** Returns the state descriptor with its TTL, shared with tests and the state-size report. */
    public static ValueStateDescriptor<Boolean> stateDescriptor(Duration ttl) {
        StateTtlConfig ttlConfig =
                StateTtlConfig.newBuilder(ttl)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        // Check timestamps every 1,000 entries the compaction filter processes.
                        .cleanupInRocksdbCompactFilter(1000)
                        .build();
        ValueStateDescriptor<Boolean> descriptor =
                new ValueStateDescriptor<>(STATE_NAME, Types.BOOLEAN);
        descriptor.enableTimeToLive(ttlConfig);
        return descriptor;
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getState(stateDescriptor(ttl));
        duplicates = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.DUPLICATES);
        idsStored = getRuntimeContext().getMetricGroup().counter(PipelineMetrics.DEDUP_IDS_STORED);
        duplicatesTotal = getRuntimeContext().getLongCounter(PipelineMetrics.DUPLICATES);
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<Event> out) throws Exception {
        if (seen.value() != null) {
            duplicates.inc();
            duplicatesTotal.add(1);
            return;
        }
        seen.update(Boolean.TRUE);
        idsStored.inc();
        out.collect(event);
    }
}
