package dev.eventpipeline.testing;

import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passes source records through and throws once, when the whole job has seen {@code failAt}
 * records, so that Flink restarts the job from its last completed checkpoint. It also tallies what
 * the source emitted in every attempt, in static memory shared with the test (the MiniCluster runs
 * in the test's JVM), so a failure drill can report which messages were emitted twice and which
 * records belong to the state that survived the restart.
 */
public class FailOnceMap extends RichMapFunction<SourceRecord, SourceRecord>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Tally> TALLIES = new ConcurrentHashMap<>();

    /** What the source emitted in one drill, over all attempts. */
    public static final class Tally {
        /** Records emitted by the source, in every attempt. */
        public final AtomicLong emitted = new AtomicLong();

        /** Emissions per message (key and offset), to find messages emitted twice. */
        public final Map<String, AtomicInteger> emissionsByMessage = new ConcurrentHashMap<>();

        /** Whether the injected failure happened. */
        public final AtomicBoolean failed = new AtomicBoolean();

        /** Checkpoint the job was restored from, or -1. */
        public final AtomicLong restoredCheckpoint = new AtomicLong(-1);

        final Map<Long, AtomicLong> seenAtCheckpoint = new ConcurrentHashMap<>();
        final Map<Long, AtomicLong> validAtCheckpoint = new ConcurrentHashMap<>();
        final AtomicLong seenAfterRestore = new AtomicLong();
        final AtomicLong validAfterRestore = new AtomicLong();

        /** Records in the restored state plus those read after the restore. */
        public long lineageRecords() {
            return before(seenAtCheckpoint) + seenAfterRestore.get();
        }

        /** Valid records in the restored state plus those read after the restore. */
        public long lineageValidRecords() {
            return before(validAtCheckpoint) + validAfterRestore.get();
        }

        /** Records read after the restore. */
        public long recordsAfterRestore() {
            return seenAfterRestore.get();
        }

        /** Messages the source emitted more than once, counting each extra emission. */
        public long reemitted() {
            long extra = 0;
            for (AtomicInteger count : emissionsByMessage.values()) {
                extra += count.get() - 1;
            }
            return extra;
        }

        private long before(Map<Long, AtomicLong> byCheckpoint) {
            AtomicLong count = byCheckpoint.get(restoredCheckpoint.get());
            return count == null ? 0 : count.get();
        }
    }

    private final String run;
    private final long failAt;

    private transient boolean restored;
    private transient long seen;
    private transient long valid;

    public FailOnceMap(String run, long failAt) {
        this.run = run;
        this.failAt = failAt;
    }

    /** The tally of drill {@code run}. */
    public static Tally tally(String run) {
        return TALLIES.computeIfAbsent(run, r -> new Tally());
    }

    @Override
    public SourceRecord map(SourceRecord record) {
        Tally tally = tally(run);
        long emitted = tally.emitted.incrementAndGet();
        String key =
                record.raw.key == null ? "" : new String(record.raw.key, StandardCharsets.UTF_8);
        tally.emissionsByMessage
                .computeIfAbsent(key + "@" + record.raw.offset, k -> new AtomicInteger())
                .incrementAndGet();
        seen++;
        if (record.isValid()) {
            valid++;
        }
        if (restored) {
            tally.seenAfterRestore.incrementAndGet();
            if (record.isValid()) {
                tally.validAfterRestore.incrementAndGet();
            }
        }
        if (emitted >= failAt && tally.failed.compareAndSet(false, true)) {
            throw new IllegalStateException("Injected failure after " + emitted + " records");
        }
        return record;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        if (!restored) {
            Tally tally = tally(run);
            long checkpoint = context.getCheckpointId();
            tally.seenAtCheckpoint
                    .computeIfAbsent(checkpoint, c -> new AtomicLong())
                    .addAndGet(seen);
            tally.validAtCheckpoint
                    .computeIfAbsent(checkpoint, c -> new AtomicLong())
                    .addAndGet(valid);
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        if (context.getRestoredCheckpointId().isPresent()) {
            restored = true;
            tally(run).restoredCheckpoint.set(context.getRestoredCheckpointId().getAsLong());
        }
    }
}
