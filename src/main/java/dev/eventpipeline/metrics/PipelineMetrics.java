package dev.eventpipeline.metrics;

/**
 * Names of the job's own metrics and accumulators, kept in one place so dashboards, alert rules and
 * tests agree. Counters live on the operator metric groups; each contract count also exists as an
 * accumulator of the same name, so a finished job's result carries the totals.
 *
 * <p>The contract's balance is {@code recordsIn = invalidRecords + duplicateRecords + lateRecords +
 * acceptedRecords}. A record on which parsing threw counts as invalid and is dead-lettered with
 * reason {@code failed}, so the balance holds for it too.
 */
public final class PipelineMetrics {

    /** Every record read from the source. */
    public static final String RECORDS_IN = "recordsIn";

    /** Records that broke the data contract (including those on which parsing threw). */
    public static final String INVALID = "invalidRecords";

    /** Records on which a stage threw; a subset of {@link #INVALID} for the parse stage. */
    public static final String FAILED = "failedRecords";

    /** Records dropped because their id was seen before within the dedup TTL. */
    public static final String DUPLICATES = "duplicateRecords";

    /** Records whose earliest-ending window had closed. */
    public static final String LATE = "lateRecords";

    /** Records counted in their windows. */
    public static final String ACCEPTED = "acceptedRecords";

    /** Dead letters handed to the dead-letter sink, per {@code reason} label. */
    public static final String DEAD_LETTERS_WRITTEN = "deadLettersWritten";

    /** Window results handed to the results sink. */
    public static final String AGGREGATES_WRITTEN = "aggregatesWritten";

    /** Label (metric group key) that carries a dead letter's reason. */
    public static final String REASON_GROUP = "reason";

    /** Processing time minus the current watermark, in milliseconds. */
    public static final String EVENT_TIME_LAG = "eventTimeLagMs";

    /** Entries created in the dedup state (one per distinct id stored). */
    public static final String DEDUP_IDS_STORED = "dedupIdsStored";

    /**
     * Reads of the dedup state. Without a filter or while it is full, there is one per event. With
     * the id filter, there is about one per duplicate plus one for 1 % to 4 % of the new ids.
     */
    public static final String DEDUP_STATE_READS = "dedupStateReads";

    /** Dead-letter replay: records read from the dead-letter topic. */
    public static final String REPLAY_READ = "replayRecordsRead";

    /** Dead-letter replay: records read but not selected by reason or job. */
    public static final String REPLAY_SKIPPED = "replayRecordsSkipped";

    /**
     * Dead-letter replay: selected records (an accumulator only; the metric is the written one).
     */
    public static final String REPLAY_SELECTED = "replayRecordsSelected";

    /** Dead-letter replay: original records handed to the target topic's sink. */
    public static final String REPLAY_WRITTEN = "replayRecordsWritten";

    private PipelineMetrics() {}
}
