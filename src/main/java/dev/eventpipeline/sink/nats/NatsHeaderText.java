package dev.eventpipeline.sink.nats;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Makes header values fit NATS headers, which carry US-ASCII without line breaks: every byte of the
 * UTF-8 form outside printable ASCII, and {@code %} itself, is written as {@code %XX} (RFC 3986
 * percent-encoding). Printable ASCII text, the usual case, comes out unchanged.
 */
public final class NatsHeaderText {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private NatsHeaderText() {}

    /** Encodes the UTF-8 bytes of {@code text}. */
    public static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes raw bytes, such as a record key that need not be UTF-8. */
    public static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c <= 0x7E && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    /** Reverses {@link #encode(byte[])}; a {@code %} without two hex digits stays as it is. */
    public static byte[] decode(String text) {
        byte[] out = new byte[text.length()];
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int high = -1;
            int low = -1;
            if (c == '%' && i + 2 < text.length()) {
                high = Character.digit(text.charAt(i + 1), 16);
                low = Character.digit(text.charAt(i + 2), 16);
            }
            if (high >= 0 && low >= 0) {
                out[length++] = (byte) (high << 4 | low);
                i += 2;
            } else {
                out[length++] = (byte) c;
            }
        }
        return Arrays.copyOf(out, length);
    }
}
