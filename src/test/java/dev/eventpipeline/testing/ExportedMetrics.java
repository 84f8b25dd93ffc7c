package dev.eventpipeline.testing;

import dev.eventpipeline.metrics.PipelineMetrics;

import java.util.Set;
import java.util.TreeSet;

/**
 * Prometheus names of the metrics that the alert rules and the dashboard may use: the job's own
 * metrics, named from {@link PipelineMetrics}, and the Flink and Kafka connector metrics the
 * monitoring files refer to.
 *
 * <p>Flink's Prometheus reporter names a metric {@code flink_} + its logical scope + its name, with
 * every character outside {@code [a-zA-Z0-9:_]} replaced by {@code _}. A key-value group such as
 * {@code reason} adds its key to the name and its value as a label. The Kafka sink hands its record
 * serializers the writer's {@code user} group, hence {@code operator_user_}. {@code
 * PrometheusMetricsIT} checks every name here against a real scrape.
 */
public final class ExportedMetrics {

    private static final String OPERATOR = "flink_taskmanager_job_task_operator_";

    public static final String RECORDS_IN = OPERATOR + PipelineMetrics.RECORDS_IN;
    public static final String INVALID = OPERATOR + PipelineMetrics.INVALID;
    public static final String FAILED = OPERATOR + PipelineMetrics.FAILED;
    public static final String DUPLICATES = OPERATOR + PipelineMetrics.DUPLICATES;
    public static final String LATE = OPERATOR + PipelineMetrics.LATE;
    public static final String ACCEPTED = OPERATOR + PipelineMetrics.ACCEPTED;
    public static final String DEDUP_IDS_STORED = OPERATOR + PipelineMetrics.DEDUP_IDS_STORED;
    public static final String DEDUP_STATE_READS = OPERATOR + PipelineMetrics.DEDUP_STATE_READS;
    public static final String EVENT_TIME_LAG = OPERATOR + PipelineMetrics.EVENT_TIME_LAG;
    public static final String AGGREGATES_WRITTEN =
            OPERATOR + "user_" + PipelineMetrics.AGGREGATES_WRITTEN;
    public static final String DEAD_LETTERS_WRITTEN =
            OPERATOR
                    + "user_"
                    + PipelineMetrics.REASON_GROUP
                    + "_"
                    + PipelineMetrics.DEAD_LETTERS_WRITTEN;

    /** Records of the assigned partitions not yet read (the Kafka source's lag). */
    public static final String PENDING_RECORDS = OPERATOR + "pendingRecords";

    /** The Kafka consumer's maximum lag over its recent fetches. */
    public static final String RECORDS_LAG_MAX =
            OPERATOR + "KafkaSourceReader_KafkaConsumer_records_lag_max";

    /** Flink metrics of the JobManager and TaskManagers that the monitoring files use. */
    public static final Set<String> FLINK =
            Set.of(
                    "flink_jobmanager_job_uptime",
                    "flink_jobmanager_job_numRestarts",
                    "flink_jobmanager_job_numberOfCompletedCheckpoints",
                    "flink_jobmanager_job_numberOfFailedCheckpoints",
                    "flink_jobmanager_job_lastCheckpointDuration",
                    "flink_jobmanager_job_lastCheckpointSize",
                    "flink_jobmanager_numRegisteredTaskManagers",
                    "flink_jobmanager_taskSlotsAvailable",
                    "flink_taskmanager_job_task_backPressuredTimeMsPerSecond",
                    "flink_taskmanager_job_task_busyTimeMsPerSecond",
                    "flink_taskmanager_job_task_operator_numLateRecordsDropped",
                    "flink_taskmanager_job_task_operator_watermarkLag",
                    "flink_taskmanager_job_task_operator_KafkaSourceReader_commitsFailed",
                    "flink_taskmanager_Status_JVM_Memory_Heap_Used",
                    "flink_taskmanager_Status_JVM_CPU_Load");

    private ExportedMetrics() {}

    /** Returns the names of the pipeline job's own metrics. */
    public static Set<String> jobOwnNames() {
        return Set.of(
                RECORDS_IN,
                INVALID,
                FAILED,
                DUPLICATES,
                LATE,
                ACCEPTED,
                DEDUP_IDS_STORED,
                DEDUP_STATE_READS,
                EVENT_TIME_LAG,
                AGGREGATES_WRITTEN,
                DEAD_LETTERS_WRITTEN);
    }

    /** Returns every name that the monitoring files may use. */
    public static Set<String> all() {
        Set<String> names = new TreeSet<>(jobOwnNames());
        names.add(PENDING_RECORDS);
        names.add(RECORDS_LAG_MAX);
        names.addAll(FLINK);
        return names;
    }
}
