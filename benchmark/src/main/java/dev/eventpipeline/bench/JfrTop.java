package dev.eventpipeline.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Prints the top methods of a JFR recording's CPU samples ({@code jdk.ExecutionSample}): by self
 * time (the sampled frame itself) and by total time (the frame anywhere on the stack), each as a
 * share of all samples.
 *
 * <pre>java -cp ... dev.eventpipeline.bench.JfrTop FILE.jfr [N]</pre>
 */
public final class JfrTop {

    private JfrTop() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: JfrTop FILE.jfr [N]");
        }
        int limit = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = stack.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (seen.add(name)) {
                    total.merge(name, 1, Integer::sum);
                }
            }
        }
        System.out.printf("%s: %d CPU samples%n", args[0], samples);
        print("self", self, samples, limit);
        print("total", total, samples, limit);
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    /** Prints the {@code limit} largest counts, each as a share of {@code samples}. */
    static void print(String title, Map<String, ? extends Number> counts, long samples, int limit) {
        System.out.printf("%n top %d by %s samples%n", limit, title);
        List<Map.Entry<String, ? extends Number>> top =
                counts.entrySet().stream()
                        .sorted(
                                (a, b) ->
                                        Long.compare(
                                                b.getValue().longValue(), a.getValue().longValue()))
                        .limit(limit)
                        .collect(Collectors.toList());
        for (Map.Entry<String, ? extends Number> entry : top) {
            System.out.printf(
                    "%6.1f%%  %s%n",
                    100.0 * entry.getValue().longValue() / samples, entry.getKey());
        }
    }
}
