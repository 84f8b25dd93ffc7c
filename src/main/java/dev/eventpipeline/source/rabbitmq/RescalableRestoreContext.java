package dev.eventpipeline.source.rabbitmq;

import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.runtime.state.FunctionInitializationContext;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Lets the connector's source restore after its parallelism changed. Flink's {@code
 * MessageAcknowledgingSourceBase} (1.20) keeps the pending acknowledgements of a subtask as one
 * entry of operator list state, and rejects a restore unless each subtask gets exactly one entry.
 * That holds only at unchanged parallelism, so a savepoint could not be restored at another one.
 *
 * <p>This context shows the base class one entry in every case: the entries a subtask receives,
 * merged into one, or, when it receives none, no restored state at all. The entries list message
 * identities per checkpoint, so merging keeps every identity. Delivery tags of the old consumers
 * are not in the state, so nothing is acknowledged twice.
 */
final class RescalableRestoreContext implements FunctionInitializationContext {

    /** The name under which the base class registers its list state. */
    static final String ACKNOWLEDGEMENT_STATE = "message-acknowledging-source-state";

    private final FunctionInitializationContext delegate;
    private MergingListState<?> acknowledgements;

    RescalableRestoreContext(FunctionInitializationContext delegate) {
        this.delegate = delegate;
    }

    /**
     * Returns whether there is state to restore. A subtask that received no acknowledgement entry
     * (it is new after a scale-up) starts as if nothing were restored. The base class calls this
     * after it registered its list state, so the entries are known by then.
     */
    @Override
    public boolean isRestored() {
        return delegate.isRestored() && (acknowledgements == null || acknowledgements.hasEntries());
    }

    @Override
    public OptionalLong getRestoredCheckpointId() {
        return delegate.getRestoredCheckpointId();
    }

    @Override
    public OperatorStateStore getOperatorStateStore() {
        OperatorStateStore store = delegate.getOperatorStateStore();
        return new OperatorStateStore() {
            @Override
            public <K, V> BroadcastState<K, V> getBroadcastState(
                    MapStateDescriptor<K, V> descriptor) throws Exception {
                return store.getBroadcastState(descriptor);
            }

            @Override
            public <S> ListState<S> getListState(ListStateDescriptor<S> descriptor)
                    throws Exception {
                ListState<S> state = store.getListState(descriptor);
                if (!ACKNOWLEDGEMENT_STATE.equals(descriptor.getName())) {
                    return state;
                }
                MergingListState<S> merging = new MergingListState<>(state);
                acknowledgements = merging;
                return merging;
            }

            @Override
            public <S> ListState<S> getUnionListState(ListStateDescriptor<S> descriptor)
                    throws Exception {
                return store.getUnionListState(descriptor);
            }

            @Override
            public Set<String> getRegisteredStateNames() {
                return store.getRegisteredStateNames();
            }

            @Override
            public Set<String> getRegisteredBroadcastStateNames() {
                return store.getRegisteredBroadcastStateNames();
            }
        };
    }

    @Override
    public KeyedStateStore getKeyedStateStore() {
        return delegate.getKeyedStateStore();
    }

    /**
     * List state whose entries are arrays; {@link #get()} returns them concatenated into one array.
     * Writes go to the wrapped state unchanged.
     */
    static final class MergingListState<T> implements ListState<T> {

        private final ListState<T> state;

        MergingListState(ListState<T> state) {
            this.state = state;
        }

        boolean hasEntries() {
            try {
                return state.get().iterator().hasNext();
            } catch (Exception e) {
                throw new IllegalStateException("Reading restored RabbitMQ source state failed", e);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public Iterable<T> get() throws Exception {
            List<T> entries = new ArrayList<>();
            state.get().forEach(entries::add);
            if (entries.size() <= 1) {
                return entries;
            }
            int length = 0;
            for (T entry : entries) {
                length += Array.getLength(entry);
            }
            Class<?> elementType = entries.get(0).getClass().getComponentType();
            Object merged = Array.newInstance(elementType, length);
            int offset = 0;
            for (T entry : entries) {
                int entryLength = Array.getLength(entry);
                System.arraycopy(entry, 0, merged, offset, entryLength);
                offset += entryLength;
            }
            return List.of((T) merged);
        }

        @Override
        public void add(T value) throws Exception {
            state.add(value);
        }

        @Override
        public void update(List<T> values) throws Exception {
            state.update(values);
        }

        @Override
        public void addAll(List<T> values) throws Exception {
            state.addAll(values);
        }

        @Override
        public void clear() {
            state.clear();
        }
    }
}
