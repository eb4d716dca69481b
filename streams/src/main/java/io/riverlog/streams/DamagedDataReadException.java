package io.riverlog.streams;

import io.riverlog.wal.Damage;

/**
 * A {@link PartitionSource} reached an offset held by a damaged batch of its partition's log (see
 * {@link Damage}): those offsets are never served, the ones around them are. The message names the
 * file, the byte positions, the offsets and the problem.
 */
public final class DamagedDataReadException extends PartitionReadException {
    private final transient Damage damage;
    private final long offset;

    public DamagedDataReadException(String partition, long offset, Damage damage) {
        super("partition " + partition + " cannot serve offset " + offset + ": damaged data in " + damage.describe());
        this.damage = damage;
        this.offset = offset;
    }

    public Damage damage() {
        return damage;
    }

    /** The offset the stream was to read next. */
    public long offset() {
        return offset;
    }
}
