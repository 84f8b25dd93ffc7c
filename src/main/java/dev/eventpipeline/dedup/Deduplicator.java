package dev.eventpipeline.dedup;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.Event;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Iterator;

/**
 * Drops every event whose id was seen before; the first event of an id wins, whatever its payload.
 * Keyed by event id; the state per id is one flag plus the TTL timestamp.
 *
 * <p>Note: Flink state TTL runs on processing time only. An id is forgotten once {@code ttl} of
 * wall-clock time has passed since it was stored, however far event time has moved, and a duplicate
 * arriving after that is accepted again. Replaying old data quickly therefore keeps ids for the
 * full TTL, while a job that was stopped for longer than the TTL finds them expired on restore.
 * Expired entries are never returned and are removed by the RocksDB compaction filter.
 *
 * <p>When {@link DeduplicatorOperator} runs it with a {@link SeenIdFilter}, an id that the filter
 * has certainly never seen is stored without reading the state first. Run in a plain {@code
 * KeyedProcessOperator}, it has no filter and reads the state for every event.
 */
public class Deduplicator extends KeyedProcessFunction<String, Event, Event> {

    private static final long serialVersionUID = 1L;

    /** Name of the state; part of savepoint compatibility, so it never changes. */
    public static final String STATE_NAME = "seen-id";

    private static final Logger LOG = LoggerFactory.getLogger(Deduplicator.class);

    private final Duration ttl;
    private final long filterBytes;

    private transient ValueState<Boolean> seen;
    private transient Counter duplicates;
    private transient Counter idsStored;
    private transient Counter stateReads;
    private transient LongCounter duplicatesTotal;

    /** Null until {@link #startFilter} runs, and when the filter is turned off. */
    private transient SeenIdFilter filter;

    /** Whether the filter was trusted at the last stored id; for logging its changes. */
    private transient boolean filterTrusted;

    /**
     * @param ttl how long a stored id is remembered
     * @param filterBytes heap for the {@link SeenIdFilter} of each subtask; 0 for none
     */
    public Deduplicator(Duration ttl, long filterBytes) {
        this.ttl = ttl;
        this.filterBytes = filterBytes;
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
        stateReads =
                getRuntimeContext().getMetricGroup().counter(PipelineMetrics.DEDUP_STATE_READS);
        duplicatesTotal = getRuntimeContext().getLongCounter(PipelineMetrics.DUPLICATES);
    }

    /**
     * Creates the filter and records in it the ids of the restored state, read with {@code
     * restoredIds} (empty for a fresh start). Called by {@link DeduplicatorOperator} once the state
     * is open and before the first event. Stops reading when the filter is full, which leaves the
     * filter untrusted for one TTL, as after any id it could not record.
     *
     * <p>Restored ids are recorded at this TaskManager's current time. NOTE: if its clock is behind
     * the clock of the TaskManager that stored them by more than {@link
     * SeenIdFilter#EXPIRY_MARGIN_MILLIS}, the filter drops them before the state does, and a
     * duplicate arriving in between is accepted.
     *
     * @return whether a filter runs; false when {@code dedup.filter-memory} is 0
     */
    boolean startFilter(Iterator<String> restoredIds, long now) {
        if (filterBytes == 0) {
            LOG.info(
                    "Dedup subtask {}: id filter off (dedup.filter-memory 0), every event reads"
                            + " the state",
                    subtask());
            return false;
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (filterBytes > maxHeap / 2) {
            throw new IllegalConfigurationException(
                    "Invalid value for 'dedup.filter-memory': "
                            + filterBytes
                            + " bytes is more than half of this TaskManager's heap ("
                            + maxHeap
                            + " bytes). Lower it, or give the TaskManager more task heap"
                            + " (taskmanager.memory.task.heap.size).");
        }
        SeenIdFilter created = new SeenIdFilter(ttl.toMillis(), filterBytes);
        long restored = 0;
        while (restoredIds.hasNext()) {
            if (!created.add(SeenIdFilter.hash(restoredIds.next()), now)) {
                break;
            }
            restored++;
        }
        filter = created;
        filterTrusted = created.isTrusted(now);
        if (filterTrusted) {
            LOG.info(
                    "Dedup subtask {}: id filter of {} bytes, {} ids per generation, contains the {}"
                            + " restored ids",
                    subtask(),
                    created.bytes(),
                    created.idsPerGeneration(),
                    restored);
        } else {
            LOG.warn(
                    "Dedup subtask {}: the restored state contains more ids than the id filter of {}"
                            + " bytes takes ({} recorded); every event reads the state until one"
                            + " TTL ({}) has passed. A larger dedup.filter-memory avoids this.",
                    subtask(),
                    created.bytes(),
                    restored,
                    ttl);
        }
        return true;
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<Event> out) throws Exception {
        long now = 0;
        long hash = 0;
        boolean mightBeStored = true;
        if (filter != null) {
            now = ctx.timerService().currentProcessingTime();
            hash = SeenIdFilter.hash(event.id);
            mightBeStored = filter.mightContain(hash, now);
        }
        if (mightBeStored) {
            stateReads.inc();
            if (seen.value() != null) {
                duplicates.inc();
                duplicatesTotal.add(1);
                return;
            }
        }
        seen.update(Boolean.TRUE);
        idsStored.inc();
        if (filter != null) {
            boolean recorded = filter.add(hash, now);
            if (recorded != filterTrusted) {
                logFilterChange(recorded, now);
            }
        }
        out.collect(event);
    }

    private void logFilterChange(boolean recorded, long now) {
        if (!recorded) {
            filterTrusted = false;
            LOG.warn(
                    "Dedup subtask {}: the id filter is full ({} generations of {} ids, none"
                            + " expired); every event reads the state until one TTL ({}) after"
                            + " the filter has room again. A larger dedup.filter-memory avoids"
                            + " this.",
                    subtask(),
                    SeenIdFilter.GENERATIONS,
                    filter.idsPerGeneration(),
                    ttl);
        } else if (filter.isTrusted(now)) {
            filterTrusted = true;
            LOG.info(
                    "Dedup subtask {}: the id filter contains every stored id again ({} ids went"
                            + " unrecorded, all expired now); new ids skip the state read",
                    subtask(),
                    filter.unrecordedIds());
        }
    }

    private int subtask() {
        return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    }
}
