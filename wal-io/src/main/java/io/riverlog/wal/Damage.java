package io.riverlog.wal;

import java.nio.file.Path;

/**
 * Bytes of a segment that hold acknowledged (or at least fsynced) batches but fail their checks: bit
 * rot, a bad sector, a write that went astray. The log never cuts them and never serves them; reads
 * of the offsets they held fail with {@link DamagedDataException}, and every other offset is served.
 *
 * @param file          the segment file
 * @param position      where the damage starts: the start of the first batch that fails its checks
 * @param endPosition   where valid batches resume (or the end of what the segment holds)
 * @param baseOffset    the first offset the damaged bytes held
 * @param nextOffset    the offset after the last one they held
 * @param problem       what the check found, for operators
 */
public record Damage(Path file, int position, int endPosition, long baseOffset, long nextOffset, String problem) {

    public boolean holds(long offset) {
        return offset >= baseOffset && offset < nextOffset;
    }

    /** One line for logs and error messages: file, byte range, offsets and the problem. */
    public String describe() {
        return file + " at positions [" + position + ", " + endPosition + ") holding offsets [" + baseOffset + ", "
                + nextOffset + "): " + problem;
    }
}
