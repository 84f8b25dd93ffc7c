package dev.eventpipeline.bench;

import java.util.ArrayList;
import java.util.List;

/** The figures of one contender in one round. */
public final class RoundResult {

    public String contender;
    public int round;

    /** Records read divided by the measured seconds. */
    public double eventsPerSecond;

    /** From the first record read to the last result visible to a read_committed reader. */
    public double seconds;

    /** CPU seconds of the contender's process (the TaskManager for the job) in the round. */
    public double cpuSeconds;

    /**
     * Parts of {@link #cpuSeconds} spent by JIT compiler, garbage collector and RocksDB background
     * threads; NaN where not measured (raw consumer).
     */
    public double jitCpuSeconds = Double.NaN;

    public double gcCpuSeconds = Double.NaN;
    public double rocksDbCpuSeconds = Double.NaN;

    /** Peak resident set size of that process, MiB; NaN where not measured (raw consumer). */
    public double peakRssMib = Double.NaN;

    /** CPU seconds of the Kafka broker in the same interval. */
    public double brokerCpuSeconds;

    /** Contract counts reported by the contender itself (job accumulators, peer counters). */
    public long recordsIn = -1;

    public long invalid = -1;
    public long duplicates = -1;
    public long late = -1;
    public long accepted = -1;

    /** Whether the output passed {@link OutputCheck}; null when not checked (raw consumer). */
    public Boolean checked;

    public List<String> problems = new ArrayList<>();

    /** Aggregates read from the output topic. */
    public long aggregates;

    /** Full state size of the last completed checkpoint (job only), bytes; -1 when unknown. */
    public long checkpointStateBytes = -1;

    /** Free-text remarks, such as the measurement window of the raw consumer. */
    public String note = "";

    void setThreadCpu(ThreadCpuSampler threads) {
        jitCpuSeconds = threads.seconds(ThreadCpuSampler.Group.JIT);
        gcCpuSeconds = threads.seconds(ThreadCpuSampler.Group.GC);
        rocksDbCpuSeconds = threads.seconds(ThreadCpuSampler.Group.ROCKSDB);
    }

    public double cpuPerMillion(long events) {
        return cpuSeconds / (events / 1_000_000.0);
    }

    public boolean countsBalance() {
        return recordsIn >= 0 && recordsIn == invalid + duplicates + late + accepted;
    }
}
