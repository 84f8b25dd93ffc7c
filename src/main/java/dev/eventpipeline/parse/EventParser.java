package dev.eventpipeline.parse;

import dev.eventpipeline.config.FieldNames;
import dev.eventpipeline.model.Event;
import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.io.IOException;
import java.io.Serializable;
import java.math.BigInteger;

/**
 * Parses and validates one record value as the data contract defines a valid event, in a single
 * streaming pass over the bytes. Never throws for bad input: every record comes back either as an
 * {@link Event} or with a one-line reason why it is invalid.
 *
 * <p>Cost per record is linear in its size: the UTF-8 check and the JSON scan each read every byte
 * once, and no tree is built. The only super-linear step is converting an integer {@code key} of up
 * to 1,000 digits to its canonical text.
 */
public final class EventParser implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Deepest allowed nesting: the top-level object is level 1. */
    public static final int MAX_NESTING_DEPTH = 100;

    /** Longest allowed number, in characters (sign, digits, point and exponent included). */
    public static final int MAX_NUMBER_LENGTH = 1000;

    /** Longest allowed {@code id} and {@code key}, in Unicode code points. */
    public static final int MAX_ID_CODE_POINTS = 1024;

    private final FieldNames fields;
    private transient JsonFactory jsonFactory;

    public EventParser(FieldNames fields) {
        this.fields = fields;
    }

    /**
     * Creates the JSON factory with every stream read constraint set on purpose, none left at
     * Jackson's default:
     *
     * <ul>
     *   <li>nesting depth and number length are the contract's limits, so Jackson stops reading
     *       such input at the first token past the limit;
     *   <li>string, name and document length and the token count are unlimited: the record value is
     *       already in memory, Kafka caps its size ({@code message.max.bytes} of the broker or
     *       topic), and the parse is linear in it, so a limit here would only reject events that
     *       the contract calls valid (Jackson's default string limit is 20,000,000 chars);
     *   <li>field names are canonicalized (Jackson's default) but not interned. Canonicalization
     *       makes Jackson read the bytes with its UTF-8 parser; without it Jackson 2.21 decodes to
     *       chars first, and its char parser then takes a non-ASCII char whose low byte is a hex
     *       digit as that digit in a {@code \}{@code u} escape ({@code "\}{@code u0a0\u0e37"}
     *       became U+0A07 instead of invalid JSON). The shared symbol table stays small: Jackson
     *       drops a parser's names instead of merging them once it has more than 6,000. Names are
     *       not interned, so hostile names never reach the JVM's string table.
     * </ul>
     */
    static JsonFactory newJsonFactory() {
        StreamReadConstraints constraints =
                StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxStringLength(Integer.MAX_VALUE)
                        .maxNameLength(Integer.MAX_VALUE)
                        .maxDocumentLength(-1)
                        .maxTokenCount(-1)
                        .build();
        return JsonFactory.builder()
                .streamReadConstraints(constraints)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .build();
    }

    private JsonFactory factory() {
        if (jsonFactory == null) {
            jsonFactory = newJsonFactory();
        }
        return jsonFactory;
    }

    /** Parses one record; the result is valid, invalid or failed, never an exception. */
    public SourceRecord parse(RawRecord raw) {
        try {
            String problem = checkBytes(raw.value);
            if (problem != null) {
                return SourceRecord.invalid(raw, problem);
            }
            return parseJson(raw);
        } catch (InvalidEventException e) {
            return SourceRecord.invalid(raw, e.getMessage());
        } catch (StreamConstraintsException e) {
            return SourceRecord.invalid(raw, "value breaks a JSON limit: " + describe(e));
        } catch (JsonProcessingException e) {
            return SourceRecord.invalid(raw, "value is not JSON: " + describe(e));
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return SourceRecord.failed(raw, "parser failed: " + e);
        }
    }

    private static String checkBytes(byte[] value) {
        if (value == null) {
            return "value is null (tombstone)";
        }
        if (value.length == 0) {
            return "value is empty";
        }
        if (value.length >= 3
                && (value[0] & 0xFF) == 0xEF
                && (value[1] & 0xFF) == 0xBB
                && (value[2] & 0xFF) == 0xBF) {
            return "value starts with a UTF-8 byte order mark";
        }
        int invalidAt = Utf8Validator.firstInvalidByte(value);
        if (invalidAt >= 0) {
            return "value is not valid UTF-8 (byte " + invalidAt + ")";
        }
        return null;
    }

    private SourceRecord parseJson(RawRecord raw) throws IOException, InvalidEventException {
        try (JsonParser parser = factory().createParser(raw.value)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidEventException(
                        "value is not a JSON object (" + kindOf(first) + ")");
            }
            String id = null;
            Long timestamp = null;
            String key = null;
            boolean hasValue = false;
            double value = 0;
            boolean sawId = false;
            boolean sawTs = false;
            boolean sawKey = false;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                checkNumberLength(parser, valueToken);
                if (name.equals(fields.id)) {
                    sawId = true;
                    id = readId(parser, valueToken);
                } else if (name.equals(fields.ts)) {
                    sawTs = true;
                    timestamp = readTimestamp(parser, valueToken);
                } else if (name.equals(fields.key)) {
                    sawKey = true;
                    key = readKey(parser, valueToken);
                } else if (name.equals(fields.value)) {
                    if (valueToken == JsonToken.VALUE_NUMBER_INT
                            || valueToken == JsonToken.VALUE_NUMBER_FLOAT) {
                        value = parser.getDoubleValue();
                        if (!Double.isFinite(value)) {
                            throw new InvalidEventException(
                                    fields.value + " is not finite as a 64-bit float");
                        }
                        hasValue = true;
                    } else if (valueToken != JsonToken.VALUE_NULL) {
                        throw wrongType(fields.value, valueToken);
                    }
                } else if (valueToken.isStructStart()) {
                    skipChildren(parser);
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw new InvalidEventException("value is not a well-formed JSON object");
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new InvalidEventException(
                        "value has content after the JSON object (" + kindOf(trailing) + ")");
            }
            requirePresent(fields.id, sawId, id);
            requirePresent(fields.ts, sawTs, timestamp);
            requirePresent(fields.key, sawKey, key);
            Event event = new Event(id, timestamp, key, hasValue, hasValue ? value : 0, raw);
            return SourceRecord.valid(event);
        }
    }

    /** Skips a nested object or array, still checking every number's length. */
    private static void skipChildren(JsonParser parser) throws IOException, InvalidEventException {
        int depth = 1;
        while (depth > 0) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new InvalidEventException("value is not a well-formed JSON object");
            }
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            } else {
                checkNumberLength(parser, token);
            }
        }
    }

    private static void checkNumberLength(JsonParser parser, JsonToken token)
            throws IOException, InvalidEventException {
        if ((token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT)
                && parser.getTextLength() > MAX_NUMBER_LENGTH) {
            throw new InvalidEventException(
                    "a number is written with more than " + MAX_NUMBER_LENGTH + " characters");
        }
    }

    private String readId(JsonParser parser, JsonToken token)
            throws IOException, InvalidEventException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw wrongType(fields.id, token);
        }
        String id = parser.getText();
        checkText(fields.id, id);
        return id;
    }

    private String readKey(JsonParser parser, JsonToken token)
            throws IOException, InvalidEventException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        String key;
        if (token == JsonToken.VALUE_STRING) {
            key = parser.getText();
        } else if (token == JsonToken.VALUE_NUMBER_INT) {
            // Canonical decimal text of the value: "-0" becomes "0".
            key =
                    parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            ? parser.getBigIntegerValue().toString()
                            : Long.toString(parser.getLongValue());
        } else if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            throw new InvalidEventException(
                    fields.key + " is a number that is not a JSON integer (fraction or exponent)");
        } else {
            throw wrongType(fields.key, token);
        }
        checkText(fields.key, key);
        return key;
    }

    private Long readTimestamp(JsonParser parser, JsonToken token)
            throws IOException, InvalidEventException {
        try {
            if (token == JsonToken.VALUE_NULL) {
                return null;
            }
            if (token == JsonToken.VALUE_STRING) {
                return EventTimeParser.parseRfc3339(parser.getText());
            }
            if (token == JsonToken.VALUE_NUMBER_INT) {
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    BigInteger big = parser.getBigIntegerValue();
                    throw new InvalidEventException(
                            fields.ts
                                    + " "
                                    + (big.signum() < 0 ? "is before 1970" : "is after year 9999")
                                    + " (epoch milliseconds out of range)");
                }
                return EventTimeParser.checkEpochMillis(parser.getLongValue());
            }
            if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                throw new InvalidEventException(
                        fields.ts
                                + " is a number that is not a JSON integer of epoch milliseconds");
            }
            throw wrongType(fields.ts, token);
        } catch (EventTimeParser.InvalidTimestampException e) {
            throw new InvalidEventException(e.getMessage());
        }
    }

    /** Checks non-emptiness, paired surrogates and the code-point limit of id and key text. */
    private static void checkText(String field, String text) throws InvalidEventException {
        if (text.isEmpty()) {
            throw new InvalidEventException(field + " is empty");
        }
        int codePoints = 0;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= length || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    throw new InvalidEventException(field + " contains an unpaired surrogate");
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new InvalidEventException(field + " contains an unpaired surrogate");
            }
            codePoints++;
        }
        if (codePoints > MAX_ID_CODE_POINTS) {
            throw new InvalidEventException(
                    field
                            + " is longer than "
                            + MAX_ID_CODE_POINTS
                            + " code points ("
                            + codePoints
                            + ")");
        }
    }

    private static void requirePresent(String field, boolean seen, Object value)
            throws InvalidEventException {
        if (!seen) {
            throw new InvalidEventException(field + " field is missing");
        }
        if (value == null) {
            throw new InvalidEventException(field + " field is null");
        }
    }

    private static InvalidEventException wrongType(String field, JsonToken token) {
        return new InvalidEventException(field + " field has wrong type " + kindOf(token));
    }

    private static String kindOf(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_OBJECT:
                return "object";
            case START_ARRAY:
                return "array";
            case VALUE_STRING:
                return "string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "boolean";
            case VALUE_NULL:
                return "null";
            default:
                return token.name().toLowerCase();
        }
    }

    private static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            message = e.getClass().getSimpleName();
        }
        int cut = message.indexOf('\n');
        if (cut >= 0) {
            message = message.substring(0, cut);
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        if (e.getLocation() != null && e.getLocation().getByteOffset() >= 0) {
            message += " (at byte " + e.getLocation().getByteOffset() + ")";
        }
        return message;
    }

    /** A contract rule the record breaks; the message is the one-line cause. */
    static final class InvalidEventException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidEventException(String message) {
            super(message, null, false, false);
        }
    }
}
