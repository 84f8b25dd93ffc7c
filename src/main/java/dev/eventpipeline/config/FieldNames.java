package dev.eventpipeline.config;

import java.io.Serializable;

/** Names of the four contract fields in the input JSON. */
public final class FieldNames implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final FieldNames DEFAULT = new FieldNames("id", "ts", "key", "value");

    public final String id;
    public final String ts;
    public final String key;
    public final String value;

    public FieldNames(String id, String ts, String key, String value) {
        this.id = id;
        this.ts = ts;
        this.key = key;
        this.value = value;
    }
}
