package dev.eventpipeline.dedup;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeenIdFilterTest {

    private static final long TTL = 60_000;
    private static final long EXPIRED = TTL + SeenIdFilter.EXPIRY_MARGIN_MILLIS + 1;

    /** Returns the smallest filter: one 512-bit block per generation, 51 ids each. */
    private static SeenIdFilter smallest() {
        return new SeenIdFilter(TTL, SeenIdFilter.MIN_BYTES);
    }

    private static long hash(String prefix, int i) {
        return SeenIdFilter.hash(prefix + "-" + i);
    }

    @Test
    void recordedIdsAreAlwaysFound() {
        SeenIdFilter filter = new SeenIdFilter(TTL, 1 << 20);
        for (int i = 0; i < 200_000; i++) {
            assertThat(filter.add(hash("id", i), 0)).isTrue();
        }
        for (int i = 0; i < 200_000; i++) {
            assertThat(filter.mightContain(hash("id", i), 0)).as("id-%d", i).isTrue();
        }
    }

    @Test
    void fullGenerationFalsePositiveRate() {
        SeenIdFilter filter = new SeenIdFilter(TTL, 4 << 20);
        long perGeneration = filter.idsPerGeneration();
        // 1 MiB per generation: 16,384 blocks of 512 bits, at 10 bits per id.
        assertThat(perGeneration).isEqualTo(838_860L);
        for (int i = 0; i < perGeneration; i++) {
            filter.add(hash("stored", i), 0);
        }
        int probes = 200_000;
        int reported = 0;
        for (int i = 0; i < probes; i++) {
            if (filter.mightContain(hash("new", i), 0)) {
                reported++;
            }
        }
        assertThat(100.0 * reported / probes).isBetween(0.2, 2.0);
    }

    @Test
    void emptyFilterFindsNothing() {
        SeenIdFilter filter = smallest();
        assertThat(filter.mightContain(SeenIdFilter.hash("a"), 0)).isFalse();
        assertThat(filter.bytes()).isEqualTo(SeenIdFilter.MIN_BYTES);
    }

    @Test
    void expiredGenerationIsReused() {
        SeenIdFilter filter = new SeenIdFilter(TTL, 4 << 20);
        for (int i = 0; i < 1000; i++) {
            filter.add(hash("old", i), 0);
        }
        // Half a TTL later the next generation starts; the old ids are still within the TTL.
        for (int i = 0; i < 1000; i++) {
            filter.add(hash("mid", i), TTL / 2);
        }
        assertThat(filter.mightContain(hash("old", 7), TTL)).isTrue();

        // The first generation's last id is now older than the TTL plus the margin, and the two
        // unused generations come after it: it is cleared and takes the new ids.
        for (int i = 0; i < 1000; i++) {
            filter.add(hash("new", i), EXPIRED);
        }
        int oldReported = 0;
        for (int i = 0; i < 1000; i++) {
            if (filter.mightContain(hash("old", i), EXPIRED)) {
                oldReported++;
            }
        }
        assertThat(oldReported).isLessThan(10);
        for (int i = 0; i < 1000; i++) {
            assertThat(filter.mightContain(hash("mid", i), EXPIRED)).isTrue();
            assertThat(filter.mightContain(hash("new", i), EXPIRED)).isTrue();
        }
    }

    @Test
    void generationOutlivesTtlByMargin() {
        SeenIdFilter filter = new SeenIdFilter(TTL, 4 << 20);
        filter.add(SeenIdFilter.hash("a"), 0);
        long justWithinMargin = TTL + SeenIdFilter.EXPIRY_MARGIN_MILLIS;
        for (int i = 0; i < 1000; i++) {
            filter.add(hash("later", i), TTL / 2);
            filter.add(hash("latest", i), justWithinMargin);
        }
        assertThat(filter.mightContain(SeenIdFilter.hash("a"), justWithinMargin)).isTrue();
    }

    @Test
    void fullFilterUntrustedForOneTtl() {
        SeenIdFilter filter = smallest();
        long capacity = SeenIdFilter.GENERATIONS * filter.idsPerGeneration();
        for (int i = 0; i < capacity; i++) {
            assertThat(filter.add(hash("id", i), 0)).isTrue();
        }
        assertThat(filter.add(SeenIdFilter.hash("one too many"), 1000)).isFalse();
        assertThat(filter.unrecordedIds()).isEqualTo(1);

        long until = 1000 + TTL + SeenIdFilter.EXPIRY_MARGIN_MILLIS;
        assertThat(filter.isTrusted(until - 1)).isFalse();
        assertThat(filter.mightContain(SeenIdFilter.hash("never stored"), until - 1)).isTrue();

        // By then every generation has expired too, so the filter records ids again.
        assertThat(filter.isTrusted(until)).isTrue();
        assertThat(filter.add(SeenIdFilter.hash("fresh"), until)).isTrue();
        assertThat(filter.mightContain(SeenIdFilter.hash("fresh"), until)).isTrue();
    }

    @Test
    void activeGenerationOutlivesItsSpan() {
        SeenIdFilter filter = smallest();
        // Three full generations at times 0, 1 and 2 ms, and a fourth with room.
        for (int generation = 0; generation < 3; generation++) {
            for (int i = 0; i < filter.idsPerGeneration(); i++) {
                filter.add(hash("g" + generation, i), generation);
            }
        }
        filter.add(SeenIdFilter.hash("fourth"), 3);

        assertThat(filter.add(SeenIdFilter.hash("late in the fourth"), TTL)).isTrue();
        assertThat(filter.isTrusted(TTL)).isTrue();
    }

    @Test
    void clockStepBackKeepsGeneration() {
        SeenIdFilter filter = smallest();
        long storedAt = 600_000;
        filter.add(SeenIdFilter.hash("x"), storedAt);
        // The clock steps back ten minutes while the first generation fills up, and the other
        // three fill at that earlier time too.
        for (int i = 1; i < SeenIdFilter.GENERATIONS * filter.idsPerGeneration(); i++) {
            assertThat(filter.add(hash("after the step", i), 0)).isTrue();
        }

        // One moment before "x" expires, a new id needs a generation: one of the others is
        // cleared, not the one that contains "x".
        long beforeExpiry = storedAt + TTL + SeenIdFilter.EXPIRY_MARGIN_MILLIS - 1;
        assertThat(filter.add(SeenIdFilter.hash("new"), beforeExpiry)).isTrue();
        assertThat(filter.mightContain(SeenIdFilter.hash("x"), beforeExpiry)).isTrue();
    }

    @Test
    void hugeTtlKeepsFullFilterUntrusted() {
        SeenIdFilter filter = new SeenIdFilter(Long.MAX_VALUE - 1, SeenIdFilter.MIN_BYTES);
        long now = 1_800_000_000_000L;
        for (int i = 0; i < SeenIdFilter.GENERATIONS * filter.idsPerGeneration(); i++) {
            filter.add(hash("id", i), now);
        }
        assertThat(filter.add(SeenIdFilter.hash("unrecorded"), now)).isFalse();

        assertThat(filter.isTrusted(now + 365L * 86_400_000L)).isFalse();
        assertThat(filter.mightContain(SeenIdFilter.hash("unrecorded"), now + 1)).isTrue();
    }

    @Test
    void invalidSizesAreRejected() {
        assertThatThrownBy(() -> new SeenIdFilter(TTL, SeenIdFilter.MIN_BYTES - 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes must be between");
        assertThatThrownBy(() -> new SeenIdFilter(0, SeenIdFilter.MIN_BYTES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ttlMillis");
    }

    @Test
    void hashSeparatesNearIds() {
        assertThat(SeenIdFilter.hash("a")).isNotEqualTo(SeenIdFilter.hash("A"));
        assertThat(SeenIdFilter.hash("a")).isNotEqualTo(SeenIdFilter.hash("a "));
        assertThat(SeenIdFilter.hash("")).isNotEqualTo(SeenIdFilter.hash("\0"));
        assertThat(SeenIdFilter.hash("ab")).isNotEqualTo(SeenIdFilter.hash("ba"));
    }
}
