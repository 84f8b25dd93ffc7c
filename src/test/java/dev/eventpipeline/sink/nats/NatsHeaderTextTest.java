package dev.eventpipeline.sink.nats;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class NatsHeaderTextTest {

    @Test
    void printableAsciiIsUnchanged() {
        String text = "invalid JSON: unexpected character ',' at 1:7 (offset 6)";

        assertThat(NatsHeaderText.encode(text)).isEqualTo(text);
    }

    @Test
    void otherCharactersArePercentEncoded() {
        assertThat(NatsHeaderText.encode("100% sür\r\n")).isEqualTo("100%25 s%C3%BCr%0D%0A");
    }

    @Test
    void arbitraryBytesRoundTrip() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }

        String encoded = NatsHeaderText.encode(bytes);

        assertThat(encoded.chars().allMatch(c -> c >= 0x20 && c <= 0x7E))
                .as("only printable ASCII")
                .isTrue();
        assertThat(NatsHeaderText.decode(encoded)).as("decoded").isEqualTo(bytes);
    }

    @Test
    void strayPercentSignIsKept() {
        assertThat(NatsHeaderText.decode("50%"))
                .isEqualTo("50%".getBytes(StandardCharsets.US_ASCII));
        assertThat(NatsHeaderText.decode("%zz"))
                .isEqualTo("%zz".getBytes(StandardCharsets.US_ASCII));
    }
}
