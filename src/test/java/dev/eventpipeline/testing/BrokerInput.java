package dev.eventpipeline.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A mixed input for the RabbitMQ and NATS tests: valid events, exact re-sends of earlier events
 * (duplicates) and invalid messages, in publish order, with the aggregates a correct run gives.
 * Every message has its own message id, also the re-sends, as a producer that retries would send.
 */
public final class BrokerInput {

    /** Window specs of every run over this input. */
    public static final List<String> WINDOWS = List.of("tumbling:60s", "sliding:120s/60s");

    /** Out-of-orderness bound far above the input's spread, so that no event is late. */
    public static final String OUT_OF_ORDERNESS = "1h";

    /** What a message is. */
    public enum Kind {
        VALID,
        DUPLICATE,
        INVALID
    }

    /** One message: its id, its body and what it is. */
    public static final class Entry {
        public final String messageId;
        public final byte[] body;
        public final Kind kind;

        Entry(String messageId, byte[] body, Kind kind) {
            this.messageId = messageId;
            this.body = body;
            this.kind = kind;
        }
    }

    public final List<Entry> messages;
    public final Map<String, OutputChecks.Figures> expectedAggregates;
    public final int valid;
    public final int duplicates;
    public final int invalid;

    private BrokerInput(
            List<Entry> messages,
            Map<String, OutputChecks.Figures> expectedAggregates,
            int valid,
            int duplicates,
            int invalid) {
        this.messages = Collections.unmodifiableList(messages);
        this.expectedAggregates = expectedAggregates;
        this.valid = valid;
        this.duplicates = duplicates;
        this.invalid = invalid;
    }

    /**
     * Builds {@code validCount} distinct events over three keys and a few minutes of event time,
     * slightly out of order, with every fifth event followed by a re-send of the event three before
     * it and every seventh by an invalid message.
     */
    public static BrokerInput mixed(String idPrefix, int validCount) {
        String[] invalidForms = {
            "not json %d",
            "{\"id\":\"%s-bad-%d\"}",
            "{\"id\":\"%s-bad-%d\",\"ts\":\"yesterday\",\"key\":\"k0\"}",
            "[%d]",
            "{\"id\":\"%s-bad-%d\",\"ts\":1,\"key\":\"k0\",\"value\":\"12\"}",
            ""
        };
        List<Entry> messages = new ArrayList<>();
        List<byte[]> events = new ArrayList<>();
        Map<String, OutputChecks.Figures> figures = new TreeMap<>();
        int duplicates = 0;
        int invalid = 0;
        for (int i = 0; i < validCount; i++) {
            String key = "k" + (i % 3);
            long ts = TestEvents.TEN_O_CLOCK + i * 7_000L + (i % 4) * 1_000L;
            Double value = i % 5 == 0 ? null : i * 1.5;
            String json =
                    "{\"id\":\""
                            + idPrefix
                            + "-"
                            + i
                            + "\",\"ts\":\""
                            + Instant.ofEpochMilli(ts)
                            + "\",\"key\":\""
                            + key
                            + "\""
                            + (value == null ? "" : ",\"value\":" + value)
                            + "}";
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            events.add(body);
            OutputChecks.addEvent(figures, WINDOWS, key, ts, value);
            messages.add(new Entry(idPrefix + "-m" + messages.size(), body, Kind.VALID));
            if (i % 5 == 4) {
                byte[] again = events.get(i - 3);
                messages.add(new Entry(idPrefix + "-m" + messages.size(), again, Kind.DUPLICATE));
                duplicates++;
            }
            if (i % 7 == 6) {
                String form = invalidForms[invalid % invalidForms.length];
                String text =
                        form.contains("%s")
                                ? String.format(form, idPrefix, invalid)
                                : String.format(form, invalid);
                if (text.isEmpty() && invalid >= invalidForms.length) {
                    // One empty body; later ones are white space only, so each body is distinct.
                    text = " ".repeat(invalid);
                }
                messages.add(
                        new Entry(
                                idPrefix + "-m" + messages.size(),
                                text.getBytes(StandardCharsets.UTF_8),
                                Kind.INVALID));
                invalid++;
            }
        }
        return new BrokerInput(messages, figures, validCount, duplicates, invalid);
    }

    /** Bodies of the invalid messages, in publish order. */
    public List<byte[]> invalidBodies() {
        List<byte[]> bodies = new ArrayList<>();
        for (Entry entry : messages) {
            if (entry.kind == Kind.INVALID) {
                bodies.add(entry.body);
            }
        }
        return bodies;
    }

    /** Every body, in publish order. */
    public List<byte[]> bodies() {
        List<byte[]> bodies = new ArrayList<>();
        messages.forEach(entry -> bodies.add(entry.body));
        return bodies;
    }

    /** The input as RabbitMQ messages with message ids, and correlation ids when asked. */
    public List<RabbitMqTestIo.Message> rabbitMqMessages(boolean withCorrelationIds) {
        List<RabbitMqTestIo.Message> out = new ArrayList<>();
        for (Entry entry : messages) {
            out.add(
                    new RabbitMqTestIo.Message(
                            entry.body,
                            withCorrelationIds ? "c-" + entry.messageId : null,
                            entry.messageId));
        }
        return out;
    }
}
