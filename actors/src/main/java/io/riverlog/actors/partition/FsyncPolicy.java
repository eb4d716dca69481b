package io.riverlog.actors.partition;

/** When an append counts as committed; see {@code riverlog.partition.fsync-policy} in this module's reference.conf. */
public enum FsyncPolicy {
    /** Committed after an fsync; group commit shares one fsync among the appends that queued meanwhile. */
    BATCH,
    /** Committed once written to the operating system; fsync on a timer. */
    INTERVAL,
    /** Committed once written to the operating system; fsync only on segment roll and shutdown. */
    OS;

    static FsyncPolicy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("riverlog.partition.fsync-policy must be batch, interval or os, not '"
                    + value + "'");
        }
    }
}
