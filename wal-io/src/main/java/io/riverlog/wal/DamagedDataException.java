package io.riverlog.wal;

import java.io.IOException;

/** A read reached bytes that fail their checks; the rest of the log is still served. */
public final class DamagedDataException extends IOException {
    private final Damage damage;

    public DamagedDataException(Damage damage) {
        super("damaged data in " + damage.describe());
        this.damage = damage;
    }

    public Damage damage() {
        return damage;
    }
}
