package dev.eventpipeline.dedup;

import dev.eventpipeline.model.Event;

import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.stream.Stream;

/**
 * Runs a {@link Deduplicator} and starts its {@link SeenIdFilter} once the state is open. After a
 * restore it first reads every id key of the restored state into the filter, so the filter contains
 * all stored ids, also when the parallelism changed: the keyed state backend contains exactly this
 * subtask's key groups.
 *
 * <p>It is a {@link KeyedProcessOperator} with the same state and timer service, so savepoints of a
 * job that ran the function in a plain {@code KeyedProcessOperator} restore into it unchanged.
 */
public class DeduplicatorOperator extends KeyedProcessOperator<String, Event, Event> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeduplicatorOperator.class);

    private transient boolean restored;

    public DeduplicatorOperator(Deduplicator deduplicator) {
        super(deduplicator);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        super.open();
        Deduplicator deduplicator = (Deduplicator) userFunction;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (!restored) {
            deduplicator.startFilter(Collections.emptyIterator(), now);
            return;
        }
        long started = System.nanoTime();
        boolean filtered;
        try (Stream<String> ids =
                this.<String>getKeyedStateBackend()
                        .getKeys(Deduplicator.STATE_NAME, VoidNamespace.INSTANCE)) {
            filtered = deduplicator.startFilter(ids.iterator(), now);
        }
        if (filtered) {
            LOG.info(
                    "Dedup subtask {} read the restored ids into its filter in {} ms",
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    (System.nanoTime() - started) / 1_000_000);
        }
    }
}
