package dev.eventpipeline.window;

import dev.eventpipeline.model.Event;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Runs a {@link LateEventRouter} and keeps its watermark in checkpoints, so that a restored job
 * still finds late the events whose windows fired before the checkpoint.
 *
 * <p>Flink does not checkpoint watermarks: after a restore every operator starts at {@link
 * Long#MIN_VALUE} until the sources emit new ones. The records replayed after a restore would
 * otherwise all pass as on time, and a late one would open a new instance of a window that was
 * already written and committed, which writes that (window, key, start) a second time.
 *
 * <p>Each subtask stores the highest watermark it has seen; a restored subtask uses the lowest of
 * all stored values (union list state, so any change of parallelism works). That floor is safe: a
 * window operator fires a window only after every router subtask has passed the watermark that
 * closes it, so every window fired before the checkpoint is closed at the floor too.
 *
 * <p>Note: a savepoint taken with {@code flink stop --drain} stores the watermark {@link
 * Long#MAX_VALUE}, which marks every event after a restore from it as late.
 */
public class LateEventRouterOperator extends ProcessOperator<Event, Event> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LateEventRouterOperator.class);

    /** Name of the operator state. Savepoints find the state by this name, so it never changes. */
    public static final String WATERMARK_STATE = "late-router-watermark";

    private transient ListState<Long> checkpointedWatermarks;
    private transient long highestWatermark;

    public LateEventRouterOperator(LateEventRouter router) {
        super(router);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        checkpointedWatermarks =
                context.getOperatorStateStore()
                        .getUnionListState(new ListStateDescriptor<>(WATERMARK_STATE, Types.LONG));
        long floor = Long.MIN_VALUE;
        if (context.isRestored()) {
            long lowest = Long.MAX_VALUE;
            boolean found = false;
            for (Long watermark : checkpointedWatermarks.get()) {
                lowest = Math.min(lowest, watermark);
                found = true;
            }
            if (found) {
                floor = lowest;
            }
            LOG.info(
                    "Late-event router subtask {} restored watermark floor {}",
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    found ? floor : "(none in the restored state)");
        }
        highestWatermark = floor;
        ((LateEventRouter) userFunction).setWatermarkFloor(floor);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        super.processWatermark(mark);
        highestWatermark = Math.max(highestWatermark, mark.getTimestamp());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointedWatermarks.update(List.of(highestWatermark));
    }
}
