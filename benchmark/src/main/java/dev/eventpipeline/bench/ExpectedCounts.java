package dev.eventpipeline.bench;

import dev.eventpipeline.config.WindowSpec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Figures of the generated input that the harness needs before any contender runs. */
public final class ExpectedCounts {

    private ExpectedCounts() {}

    /** Number of aggregates (window spec, key, start) when no event is late. */
    public static long aggregates(GeneratedInput input, List<WindowSpec> specs) {
        long total = 0;
        for (WindowSpec spec : specs) {
            Set<Long> windows = new HashSet<>();
            for (int i = 0; i < input.size(); i++) {
                if (input.kind(i) != EventGenerator.Kind.VALID) {
                    continue;
                }
                long timestamp = input.timestamp[i];
                long lastStart = Math.floorDiv(timestamp, spec.slideMillis());
                long firstStart =
                        Math.floorDiv(timestamp - spec.sizeMillis(), spec.slideMillis()) + 1;
                for (long start = firstStart; start <= lastStart; start++) {
                    windows.add(((long) input.keyId[i] << 32) | (start & 0xFFFFFFFFL));
                }
            }
            total += windows.size();
        }
        return total;
    }

    /** Number of distinct valid ids, which is the number of entries in the dedup state. */
    public static long distinctIds(GeneratedInput input) {
        long ids = 0;
        for (int i = 0; i < input.size(); i++) {
            if (input.kind(i) == EventGenerator.Kind.VALID) {
                ids++;
            }
        }
        return ids;
    }
}
