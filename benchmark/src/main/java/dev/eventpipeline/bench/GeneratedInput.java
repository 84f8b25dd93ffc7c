package dev.eventpipeline.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The generated input in columns, kept in memory while the benchmark runs, so that the output
 * checks need not generate and format every record again: about 35 bytes per record, without the
 * JSON text. A record's value bytes are kept as their hash, which is all a dead-letter check needs.
 */
public final class GeneratedInput {

    private final int size;
    final byte[] kind;
    final byte[] partition;
    final long[] offset;
    final int[] keyId;
    final long[] timestamp;
    final boolean[] hasValue;
    final double[] value;
    final int[] valueHash;
    private final List<String> keys = new ArrayList<>();
    private final Map<String, Integer> keyIds = new HashMap<>();

    GeneratedInput(int size) {
        this.size = size;
        kind = new byte[size];
        partition = new byte[size];
        offset = new long[size];
        keyId = new int[size];
        timestamp = new long[size];
        hasValue = new boolean[size];
        value = new double[size];
        valueHash = new int[size];
    }

    /** Generates the whole input of {@code settings}. */
    public static GeneratedInput generate(EventGenerator.Settings settings) {
        GeneratedInput input = new GeneratedInput(Math.toIntExact(settings.events));
        EventGenerator generator = new EventGenerator(settings);
        for (int i = 0; generator.hasNext(); i++) {
            input.set(i, generator.next());
        }
        return input;
    }

    /** Stores record number {@code i}. */
    void set(int i, EventGenerator.Record record) {
        kind[i] = (byte) record.kind.ordinal();
        partition[i] = (byte) record.partition;
        offset[i] = record.offset;
        timestamp[i] = record.timestamp;
        hasValue[i] = record.hasValue;
        value[i] = record.numericValue;
        valueHash[i] = Arrays.hashCode(record.value);
        if (record.groupKey != null) {
            keyId[i] =
                    keyIds.computeIfAbsent(
                            record.groupKey,
                            k -> {
                                keys.add(k);
                                return keys.size() - 1;
                            });
        } else {
            keyId[i] = -1;
        }
    }

    public int size() {
        return size;
    }

    public EventGenerator.Kind kind(int i) {
        return EventGenerator.Kind.values()[kind[i]];
    }

    public String key(int i) {
        return keys.get(keyId[i]);
    }

    /** Returns the key text of a key id. */
    public String keyText(int id) {
        return keys.get(id);
    }

    /** Returns the id of a key text, or -1 for a key that no record has. */
    public int keyId(String key) {
        return keyIds.getOrDefault(key, -1);
    }
}
