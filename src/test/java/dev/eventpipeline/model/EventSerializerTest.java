package dev.eventpipeline.model;

import dev.eventpipeline.testing.TestEvents;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class EventSerializerTest {

    private static Event roundTrip(Event event) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        EventSerializer.INSTANCE.serialize(event, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        Event copy = EventSerializer.INSTANCE.deserialize(in);
        assertThat(in.available()).as("bytes left after one event").isZero();
        return copy;
    }

    @Test
    void eventWithRawRecordRoundTrips() throws IOException {
        Event event = TestEvents.event("id-1", TEN_O_CLOCK + 5, "Zürich-🚋", -7.25);
        event.raw.partition = 3;
        event.raw.offset = 1L << 40;

        Event copy = roundTrip(event);

        assertThat(copy).isEqualTo(event);
        assertThat(copy.raw.value).isEqualTo(event.raw.value);
        assertThat(copy.raw.key).isEqualTo(event.raw.key);
        assertThat(copy.raw.topic).isEqualTo("events");
        assertThat(copy.raw.partition).isEqualTo(3);
        assertThat(copy.raw.offset).isEqualTo(1L << 40);
    }

    @Test
    void nullFieldsRoundTrip() throws IOException {
        Event withoutRaw = TestEvents.eventWithoutValue("id-2", 0, "");
        withoutRaw.raw = null;
        assertThat(roundTrip(withoutRaw)).isEqualTo(withoutRaw);

        Event nullBytes = TestEvents.event("id-3", 1, "k", 1);
        nullBytes.raw = new RawRecord(null, null, null, -1, -1);
        Event copy = roundTrip(nullBytes);
        assertThat(copy.raw.key).isNull();
        assertThat(copy.raw.value).isNull();
        assertThat(copy.raw.topic).isNull();
        assertThat(copy.raw.offset).isEqualTo(-1);
    }

    @Test
    void copyDoesNotShareByteArrays() {
        Event event = TestEvents.event("id-4", 2, "k", 2);
        Event copy = EventSerializer.INSTANCE.copy(event);

        assertThat(copy).isEqualTo(event);
        event.raw.value[0] = 'X';
        assertThat(new String(copy.raw.value, StandardCharsets.UTF_8)).startsWith("{");
    }

    @Test
    void flinkUsesTheEventSerializer() {
        TypeInformation<Event> info = TypeInformation.of(Event.class);
        assertThat(info).isInstanceOf(EventTypeInfo.class);
        TypeSerializer<Event> serializer =
                info.createSerializer(
                        new org.apache.flink.api.common.ExecutionConfig().getSerializerConfig());
        assertThat(serializer).isSameAs(EventSerializer.INSTANCE);
    }
}
