package dev.eventpipeline.source.nats;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NatsSplitSerializerTest {

    private static NatsSplit splitWithAcks() {
        Map<Long, String> acks = new LinkedHashMap<>();
        acks.put(7L, "$JS.ACK.events.job.1.7.7.1700000000000000000.0");
        acks.put(9L, "$JS.ACK.events.job.2.9.8.1700000000000000001.0");
        return new NatsSplit("events", "job", 42, acks);
    }

    @Test
    void splitRoundTripKeepsPendingAcks() throws IOException {
        NatsSplitSerializer serializer = new NatsSplitSerializer();
        NatsSplit split = splitWithAcks();

        NatsSplit copy =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(split));

        assertThat(copy).isEqualTo(split);
        assertThat(copy.pendingAcks().keySet()).as("ack order").containsExactly(7L, 9L);
        assertThat(copy.splitId()).as("split id").isEqualTo("events/job");
    }

    @Test
    void unboundedSplitRoundTrip() throws IOException {
        NatsSplitSerializer serializer = new NatsSplitSerializer();
        NatsSplit split = new NatsSplit("events", "job", NatsSplit.UNBOUNDED, Map.of());

        NatsSplit copy =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(split));

        assertThat(copy.stopSequence()).as("stop sequence").isEqualTo(NatsSplit.UNBOUNDED);
        assertThat(copy.pendingAcks()).as("pending acks").isEmpty();
    }

    @Test
    void enumeratorStateRoundTrip() throws IOException {
        NatsEnumeratorStateSerializer serializer = new NatsEnumeratorStateSerializer();

        NatsEnumeratorState withSplit =
                serializer.deserialize(
                        serializer.getVersion(),
                        serializer.serialize(new NatsEnumeratorState(true, splitWithAcks())));
        NatsEnumeratorState assigned =
                serializer.deserialize(
                        serializer.getVersion(),
                        serializer.serialize(new NatsEnumeratorState(true, null)));

        assertThat(withSplit.splitCreated()).as("created").isTrue();
        assertThat(withSplit.unassigned()).as("unassigned split").isEqualTo(splitWithAcks());
        assertThat(assigned.splitCreated()).as("created, assigned").isTrue();
        assertThat(assigned.unassigned()).as("no unassigned split").isNull();
    }

    @Test
    void unknownVersionIsRejected() throws IOException {
        NatsSplitSerializer serializer = new NatsSplitSerializer();
        byte[] bytes = serializer.serialize(splitWithAcks());

        assertThatThrownBy(() -> serializer.deserialize(2, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2");
    }
}
