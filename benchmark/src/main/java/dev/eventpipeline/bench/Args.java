package dev.eventpipeline.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Command-line options of the form {@code --name value}; every option must be used. */
public final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Boolean> used = new LinkedHashMap<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String name = argv[i];
            if (!name.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException(
                        "invalid argument '" + name + "': expected --name value pairs");
            }
            values.put(name.substring(2), argv[++i]);
        }
    }

    public String required(String name) {
        String value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing option --" + name);
        }
        used.put(name, true);
        return value;
    }

    public String get(String name, String fallback) {
        used.put(name, true);
        return values.getOrDefault(name, fallback);
    }

    public int getInt(String name, int fallback) {
        return (int) getLong(name, fallback);
    }

    public long getLong(String name, long fallback) {
        String value = get(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "invalid --" + name + " value '" + value + "': expected a whole number");
        }
    }

    public double getDouble(String name, double fallback) {
        String value = get(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "invalid --" + name + " value '" + value + "': expected a number");
        }
    }

    /** Fails on options that no {@code get} asked for, which are typos. */
    public void rejectUnused() {
        for (String name : values.keySet()) {
            if (!used.containsKey(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
        }
    }
}
