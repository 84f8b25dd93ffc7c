package dev.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time and memory of a Linux process, read from {@code /proc}. */
public final class ProcessStats {

    /** Clock ticks per second of {@code /proc/PID/stat}; 100 on every Linux of this project. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessStats() {}

    /** User plus system CPU seconds that process {@code pid} has used so far. */
    public static double cpuSeconds(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may contain spaces, so fields are counted after its ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) / TICKS_PER_SECOND;
    }

    /** Peak resident set size of process {@code pid} over its life (VmHWM), in MiB. */
    public static double peakRssMib(long pid) {
        return statusKib(pid, "VmHWM:") / 1024.0;
    }

    private static long statusKib(long pid, String field) {
        List<String> lines =
                List.of(read(Path.of("/proc", Long.toString(pid), "status")).split("\n"));
        for (String line : lines) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + "; did the process exit?", e);
        }
    }
}
