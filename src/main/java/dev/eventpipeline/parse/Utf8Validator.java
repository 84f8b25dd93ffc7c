package dev.eventpipeline.parse;

/**
 * Strict UTF-8 check as RFC 3629 defines it: overlong forms, encoded surrogates (U+D800..U+DFFF),
 * code points above U+10FFFF and truncated sequences are all rejected.
 */
public final class Utf8Validator {

    private Utf8Validator() {}

    /**
     * Returns the index of the first byte that starts an invalid sequence, or {@code -1} when the
     * whole array is valid UTF-8.
     */
    public static int firstInvalidByte(byte[] bytes) {
        int i = 0;
        int length = bytes.length;
        while (i < length) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            int lead = b & 0xFF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                if (!continuation(bytes, i + 1)) {
                    return i;
                }
                i += 2;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                if (i + 2 >= length || !continuation(bytes, i + 2)) {
                    return i;
                }
                int second = bytes[i + 1] & 0xFF;
                // E0 needs A0..BF (no overlong), ED needs 80..9F (no surrogates).
                int low = lead == 0xE0 ? 0xA0 : 0x80;
                int high = lead == 0xED ? 0x9F : 0xBF;
                if (second < low || second > high) {
                    return i;
                }
                i += 3;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                if (i + 3 >= length || !continuation(bytes, i + 2) || !continuation(bytes, i + 3)) {
                    return i;
                }
                int second = bytes[i + 1] & 0xFF;
                // F0 needs 90..BF (no overlong), F4 needs 80..8F (at most U+10FFFF).
                int low = lead == 0xF0 ? 0x90 : 0x80;
                int high = lead == 0xF4 ? 0x8F : 0xBF;
                if (second < low || second > high) {
                    return i;
                }
                i += 4;
            } else {
                // 80..BF: stray continuation byte; C0, C1: overlong; F5..FF: beyond Unicode.
                return i;
            }
        }
        return -1;
    }

    private static boolean continuation(byte[] bytes, int index) {
        return index < bytes.length && (bytes[index] & 0xC0) == 0x80;
    }
}
