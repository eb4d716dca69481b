package io.riverlog.wal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The latest offset of each key in the part of a log being compacted, in a fixed amount of memory:
 * open addressing over one buffer, each slot a 16-byte digest of the key and an offset. Two keys with
 * the same digest count as one (as in Kafka's cleaner; with a 128-bit digest, a log would need some
 * 10^19 distinct keys for an even chance of one collision). Not thread-safe: one per cleaner thread.
 */
public final class KeyOffsetMap {
    private static final int DIGEST_BYTES = 16;
    private static final int SLOT_BYTES = DIGEST_BYTES + Long.BYTES;
    /** Beyond this share of slots in use, probes grow long; the map counts as full there. */
    private static final double MAX_LOAD = 0.9;

    private final ByteBuffer slots;
    private final int slotCount;
    private final int maxEntries;
    private final MessageDigest digest;
    private final byte[] hash = new byte[DIGEST_BYTES];
    private int entries;

    /** A map in {@code bytes} of memory (whole slots of 24 bytes; at least two). */
    public KeyOffsetMap(int bytes) {
        slotCount = Math.max(2, bytes / SLOT_BYTES);
        slots = ByteBuffer.allocate(slotCount * SLOT_BYTES);
        maxEntries = Math.max(1, (int) (slotCount * MAX_LOAD));
        try {
            digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    /** Remembers {@code offset} as the latest of {@code key}. The caller checks {@link #isFull} first. */
    public void put(ByteBuffer key, long offset) {
        hash(key);
        int slot = find();
        if (slots.getLong(slot * SLOT_BYTES + DIGEST_BYTES) == 0) {
            if (entries >= maxEntries) {
                throw new IllegalStateException("the key map is full (" + entries + " keys)");
            }
            slots.put(slot * SLOT_BYTES, hash);
            entries++;
        }
        // Stored plus one, so that an empty slot (all zeros) is never a stored offset.
        slots.putLong(slot * SLOT_BYTES + DIGEST_BYTES, offset + 1);
    }

    /** The latest offset remembered for {@code key}, or -1. */
    public long get(ByteBuffer key) {
        hash(key);
        return slots.getLong(find() * SLOT_BYTES + DIGEST_BYTES) - 1;
    }

    /** Keys remembered. */
    public int size() {
        return entries;
    }

    /** Whether {@code more} new keys could still be remembered. */
    public boolean hasRoomFor(int more) {
        return (long) entries + more <= maxEntries;
    }

    /** The most keys it holds. */
    public int capacity() {
        return maxEntries;
    }

    public void clear() {
        java.util.Arrays.fill(slots.array(), (byte) 0);
        entries = 0;
    }

    private void hash(ByteBuffer key) {
        digest.update(key.duplicate());
        try {
            digest.digest(hash, 0, DIGEST_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The slot holding the current digest, or the empty slot where it would go. */
    private int find() {
        int slot = Math.floorMod(ByteBuffer.wrap(hash).getInt(), slotCount);
        while (true) {
            int at = slot * SLOT_BYTES;
            if (slots.getLong(at + DIGEST_BYTES) == 0 || matches(at)) {
                return slot;
            }
            slot = slot + 1 == slotCount ? 0 : slot + 1;
        }
    }

    private boolean matches(int at) {
        for (int i = 0; i < DIGEST_BYTES; i++) {
            if (slots.get(at + i) != hash[i]) {
                return false;
            }
        }
        return true;
    }
}
