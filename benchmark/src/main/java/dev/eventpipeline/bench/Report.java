package dev.eventpipeline.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Formats the side-by-side table: medians and spread per contender, then every round. */
final class Report {

    private static final List<String> CONTENDERS = List.of("job", "peer", "raw", "baseline");

    private Report() {}

    static String table(
            EventGenerator.Settings settings,
            List<RoundResult> rounds,
            StateProbe.Result state,
            String checkpointInterval) {
        StringBuilder out = new StringBuilder();
        out.append("Input: ").append(settings.describe()).append('\n');
        out.append("Job checkpoint interval: ").append(checkpointInterval).append('\n');
        out.append('\n');
        out.append(
                String.format(
                        "%-34s %22s %22s %22s %22s%n",
                        "median (min..max) over rounds",
                        "job (Flink)",
                        "peer (Kafka Streams)",
                        "raw consumer",
                        "baseline job"));
        row(out, "events/s", rounds, r -> r.eventsPerSecond, "%.0f");
        row(out, "seconds", rounds, r -> r.seconds, "%.1f");
        row(out, "CPU-s per 1M events", rounds, r -> r.cpuPerMillion(settings.events), "%.1f");
        double millions = settings.events / 1e6;
        row(out, "  of it JIT compiler threads", rounds, r -> r.jitCpuSeconds / millions, "%.1f");
        row(out, "  of it GC threads", rounds, r -> r.gcCpuSeconds / millions, "%.1f");
        row(out, "  of it RocksDB background", rounds, r -> r.rocksDbCpuSeconds / millions, "%.1f");
        row(out, "peak RSS, MiB", rounds, r -> r.peakRssMib, "%.0f");
        row(
                out,
                "broker CPU-s per 1M events",
                rounds,
                r -> r.brokerCpuSeconds / (settings.events / 1e6),
                "%.1f");

        double job = median(rounds, "job", r -> r.eventsPerSecond);
        double peer = median(rounds, "peer", r -> r.eventsPerSecond);
        double raw = median(rounds, "raw", r -> r.eventsPerSecond);
        out.append('\n');
        out.append(
                String.format(
                        "rate as a share of raw:   job %.4f, peer %.4f%n", job / raw, peer / raw));
        out.append(String.format("job rate / peer rate:     %.2f%n", job / peer));
        double baseline = median(rounds, "baseline", r -> r.eventsPerSecond);
        if (!Double.isNaN(baseline)) {
            out.append(String.format("job rate / baseline rate: %.2f%n", job / baseline));
        }
        double jobCpu = median(rounds, "job", r -> r.cpuPerMillion(settings.events));
        double peerCpu = median(rounds, "peer", r -> r.cpuPerMillion(settings.events));
        out.append(String.format("job CPU / peer CPU:       %.2f%n", jobCpu / peerCpu));
        double jobRss = median(rounds, "job", r -> r.peakRssMib);
        double peerRss = median(rounds, "peer", r -> r.peakRssMib);
        out.append(String.format("job RSS / peer RSS:       %.2f%n", jobRss / peerRss));
        if (state != null) {
            out.append(
                    String.format(
                            "dedup state per id (RocksDB, checkpoint %d): %.1f bytes (%,d bytes /"
                                    + " %,d ids); whole checkpoint %,d bytes%n",
                            state.checkpointId,
                            state.dedupBytesPerId,
                            state.dedupStateBytes,
                            state.distinctIds,
                            state.checkpointStateBytes));
        }

        out.append('\n').append("Rounds:\n");
        out.append(
                String.format(
                        "%-5s %-8s %10s %8s %8s %8s %9s %-44s %-6s %s%n",
                        "round",
                        "who",
                        "events/s",
                        "seconds",
                        "CPU-s",
                        "RSS MiB",
                        "brokerCPU",
                        "counts in=invalid+duplicates+late+accepted",
                        "check",
                        "last checkpoint bytes"));
        for (RoundResult r : rounds) {
            String counts =
                    r.contender.equals("raw")
                            ? Long.toString(r.recordsIn)
                            : String.format(
                                    "%d=%d+%d+%d+%d%s",
                                    r.recordsIn,
                                    r.invalid,
                                    r.duplicates,
                                    r.late,
                                    r.accepted,
                                    r.countsBalance() ? "" : " UNBALANCED");
            out.append(
                    String.format(
                            "%-5d %-8s %10.0f %8.2f %8.2f %8s %9.2f %-44s %-6s %s%n",
                            r.round,
                            r.contender,
                            r.eventsPerSecond,
                            r.seconds,
                            r.cpuSeconds,
                            Double.isNaN(r.peakRssMib) ? "-" : String.format("%.0f", r.peakRssMib),
                            r.brokerCpuSeconds,
                            counts,
                            r.checked == null ? "-" : (r.checked ? "passed" : "FAILED"),
                            r.checkpointStateBytes < 0
                                    ? "-"
                                    : Long.toString(r.checkpointStateBytes)));
        }
        for (RoundResult r : rounds) {
            if (r.checked != null && !r.checked) {
                out.append("round ")
                        .append(r.round)
                        .append(' ')
                        .append(r.contender)
                        .append(" problems: ")
                        .append(r.problems)
                        .append('\n');
            }
        }
        return out.toString();
    }

    private static void row(
            StringBuilder out,
            String label,
            List<RoundResult> rounds,
            ToDoubleFunction<RoundResult> figure,
            String format) {
        List<String> cells = new ArrayList<>();
        for (String contender : CONTENDERS) {
            double[] values = values(rounds, contender, figure);
            if (values.length == 0) {
                cells.add("-");
                continue;
            }
            cells.add(
                    String.format(format, median(values))
                            + " ("
                            + String.format(format, values[0])
                            + ".."
                            + String.format(format, values[values.length - 1])
                            + ")");
        }
        out.append(
                String.format(
                        "%-34s %22s %22s %22s %22s%n",
                        label, cells.get(0), cells.get(1), cells.get(2), cells.get(3)));
    }

    static double median(
            List<RoundResult> rounds, String contender, ToDoubleFunction<RoundResult> figure) {
        double[] values = values(rounds, contender, figure);
        return values.length == 0 ? Double.NaN : median(values);
    }

    private static double[] values(
            List<RoundResult> rounds, String contender, ToDoubleFunction<RoundResult> figure) {
        List<RoundResult> matching =
                rounds.stream()
                        .filter(r -> r.contender.equals(contender))
                        .collect(Collectors.toList());
        // A figure that was not measured for a contender (NaN) leaves its cell empty.
        double[] values =
                matching.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).toArray();
        Arrays.sort(values);
        return values;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
