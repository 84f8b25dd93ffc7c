package dev.eventpipeline.dedup;

import java.util.Arrays;

/**
 * A heap-side Bloom filter of the ids that a dedup subtask has stored, which lets the subtask skip
 * the state read for an id it has certainly never stored. Nearly every event carries a new id. Such
 * a read searches the RocksDB memtable and the filters of every level before it misses, and in the
 * benchmark it took about 40 % of the dedup stage's CPU time.
 *
 * <p>The filter only ever returns "certainly not stored" or "perhaps stored". The state stays the
 * single source of truth, and a "perhaps" is always checked against it. An id is never removed from
 * a Bloom filter, so the filter is split into {@value #GENERATIONS} generations, each holding the
 * ids stored during at most half a TTL. A generation whose last id was stored more than one TTL
 * (plus a margin) ago contains only expired ids, and is cleared for reuse.
 *
 * <p>When every generation is full and none has expired, an id is stored without being recorded.
 * From then until one TTL after the last such id, the filter's "certainly not stored" no longer
 * holds, and every lookup reads the state, as without a filter. The job stays correct at any rate;
 * only the saving stops.
 *
 * <p>Each generation is a blocked Bloom filter: all bits of one id lie in one 64-byte block, so a
 * lookup touches one cache line. At {@value #BITS_PER_ID} bits per id and {@value #BITS_SET} bits
 * set per id, a full generation reports about 1 % of new ids as perhaps stored. A lookup checks
 * every generation, so with several full ones 1 % to 4 % of new ids read the state anyway.
 *
 * <p>Not thread-safe; a dedup subtask owns one.
 */
public final class SeenIdFilter {

    /** Generations held at most; with spans of half a TTL, four always leave one to clear. */
    static final int GENERATIONS = 4;

    /** Bits of filter per id of a generation's capacity. */
    static final int BITS_PER_ID = 10;

    /** Bits set per id, all within one block. */
    static final int BITS_SET = 7;

    /** Longs per block: 512 bits, one cache line. */
    private static final int BLOCK_LONGS = 8;

    /** Smallest filter: one block per generation. */
    public static final long MIN_BYTES = (long) GENERATIONS * BLOCK_LONGS * Long.BYTES;

    /** Largest filter, so one generation's bits fit in a Java array. */
    public static final long MAX_BYTES = (long) GENERATIONS * Integer.MAX_VALUE / 2 * Long.BYTES;

    /**
     * Extra time a generation is kept past the TTL, so that an id whose TTL timestamp was taken a
     * moment after the filter's clock was read, or under a slightly adjusted clock, has surely
     * expired when its generation is cleared.
     */
    static final long EXPIRY_MARGIN_MILLIS = 60_000;

    /** The TTL plus {@link #EXPIRY_MARGIN_MILLIS}, saturated at {@link Long#MAX_VALUE}. */
    private final long expiryMillis;

    private final long spanMillis;
    private final int blocksPerGeneration;
    private final long idsPerGeneration;

    private final Generation[] generations = new Generation[GENERATIONS];
    private Generation active;

    /** Until this time, lookups may not trust a miss: some stored id is missing from the filter. */
    private long untrustedUntil = Long.MIN_VALUE;

    /** Ids stored without being recorded, in all. */
    private long unrecorded;

    /**
     * @param ttlMillis the dedup state's TTL: how long a stored id stays visible
     * @param bytes memory of all generations together, between {@link #MIN_BYTES} and {@link
     *     #MAX_BYTES}
     */
    public SeenIdFilter(long ttlMillis, long bytes) {
        if (ttlMillis <= 0) {
            throw new IllegalArgumentException("ttlMillis must be positive: " + ttlMillis);
        }
        if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "bytes must be between " + MIN_BYTES + " and " + MAX_BYTES + ": " + bytes);
        }
        this.expiryMillis = saturatedAdd(ttlMillis, EXPIRY_MARGIN_MILLIS);
        this.spanMillis = Math.max(1, ttlMillis / 2);
        long bitsPerGeneration = bytes / GENERATIONS * Byte.SIZE;
        this.blocksPerGeneration = (int) (bitsPerGeneration / (BLOCK_LONGS * Long.SIZE));
        this.idsPerGeneration =
                Math.max(1, (long) blocksPerGeneration * BLOCK_LONGS * Long.SIZE / BITS_PER_ID);
        // All memory up front, so a size the heap cannot take fails when the task starts.
        for (int i = 0; i < GENERATIONS; i++) {
            generations[i] = new Generation(blocksPerGeneration);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** Returns the 64-bit hash of an id that {@link #mightContain} and {@link #add} take. */
    public static long hash(String id) {
        long h = 0x9E3779B97F4A7C15L ^ id.length();
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0xBF58476D1CE4E5B9L;
        }
        // Final mix of MurmurHash3, so that every output bit depends on every input bit.
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB93FE51A85B9L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Returns false when no id with this hash was stored within the TTL, so the state cannot hold
     * it; true when it may have been. Always true while the filter is untrusted.
     */
    public boolean mightContain(long hash, long now) {
        if (now < untrustedUntil) {
            return true;
        }
        for (Generation generation : generations) {
            if (generation.used && generation.contains(hash, blocksPerGeneration)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records an id that was just stored in the state at processing time {@code now}.
     *
     * @return false when the filter is full and the id was not recorded; lookups then read the
     *     state until one TTL after {@code now}
     */
    public boolean add(long hash, long now) {
        Generation target = activeGeneration(now);
        if (target == null) {
            unrecorded++;
            untrustedUntil = Math.max(untrustedUntil, saturatedAdd(now, expiryMillis));
            return false;
        }
        target.add(hash, blocksPerGeneration, now);
        return true;
    }

    /** Returns whether a miss of {@link #mightContain} can be trusted at {@code now}. */
    public boolean isTrusted(long now) {
        return now >= untrustedUntil;
    }

    /** Returns the number of ids stored without being recorded, in all. */
    public long unrecordedIds() {
        return unrecorded;
    }

    /** Returns the number of ids that one generation takes at the designed error rate. */
    public long idsPerGeneration() {
        return idsPerGeneration;
    }

    /** Returns the bytes of all generations, at most the size given to the constructor. */
    public long bytes() {
        return (long) GENERATIONS * blocksPerGeneration * BLOCK_LONGS * Long.BYTES;
    }

    /**
     * Returns the generation that takes ids stored at {@code now}: the active one while it has room
     * and is younger than half a TTL, otherwise a new or cleared one. Returns null when every
     * generation is full and none has expired.
     */
    private Generation activeGeneration(long now) {
        if (active != null
                && active.count < idsPerGeneration
                && now - active.firstAdded < spanMillis) {
            return active;
        }
        Generation free = null;
        for (Generation generation : generations) {
            if (!generation.used
                    || (generation != active && now - generation.lastAdded > expiryMillis)) {
                free = generation;
                break;
            }
        }
        if (free == null) {
            if (active != null && active.count < idsPerGeneration) {
                // No generation to move on to yet: the active one keeps taking ids. Its span grows
                // past half a TTL, which only delays the time it can be cleared.
                return active;
            }
            return null;
        }
        free.start(now);
        active = free;
        return free;
    }

    /** One blocked Bloom filter with the processing times of its first and latest id. */
    private static final class Generation {
        final long[] bits;
        boolean used;
        long count;
        long firstAdded;

        /**
         * The latest processing time an id was added at. It never moves back, also when the clock
         * does, so a generation is never cleared before the TTL of an id in it has passed.
         */
        long lastAdded = Long.MIN_VALUE;

        Generation(int blocks) {
            this.bits = new long[blocks * BLOCK_LONGS];
        }

        void start(long now) {
            if (used) {
                Arrays.fill(bits, 0L);
            }
            used = true;
            count = 0;
            firstAdded = now;
            lastAdded = now;
        }

        void add(long hash, int blocks, long now) {
            int base = blockOf(hash, blocks) * BLOCK_LONGS;
            long bitBits = bitsOf(hash);
            for (int i = 0; i < BITS_SET; i++) {
                int bit = (int) (bitBits & 511);
                bits[base + (bit >>> 6)] |= 1L << bit;
                bitBits >>>= 9;
            }
            count++;
            lastAdded = Math.max(lastAdded, now);
        }

        boolean contains(long hash, int blocks) {
            int base = blockOf(hash, blocks) * BLOCK_LONGS;
            long bitBits = bitsOf(hash);
            for (int i = 0; i < BITS_SET; i++) {
                int bit = (int) (bitBits & 511);
                if ((bits[base + (bit >>> 6)] & (1L << bit)) == 0) {
                    return false;
                }
                bitBits >>>= 9;
            }
            return true;
        }

        /** Maps the hash's low 32 bits onto the blocks. */
        private static int blockOf(long hash, int blocks) {
            return (int) (((hash & 0xFFFFFFFFL) * blocks) >>> 32);
        }

        /**
         * Returns the word whose 9-bit groups pick the bits within a block: the hash mixed once
         * more, so that ids in one block do not share their bit positions.
         */
        private static long bitsOf(long hash) {
            long bits = hash * 0xC2B2AE3D27D4EB4FL;
            return bits ^ (bits >>> 29);
        }
    }
}
