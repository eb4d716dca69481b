package io.riverlog.wal;

import java.util.List;

/**
 * Names of the files in a partition directory. A segment's files are named by the segment's
 * base offset, zero-padded to 20 digits, so that a directory listing sorts by offset (a snapshot's
 * by the offset it is as of):
 * <pre>
 *   00000000000000000000.log         record batches
 *   00000000000000000000.index       offset index
 *   00000000000000000000.timeindex   time index
 *   00000000000000004096.snapshot    the log's derived state as of that offset (see StateSnapshots)
 *   recovery-point                   where the last fsync left the log (see RecoveryPoint)
 *   log-start-offset                 where DeleteRecords moved the log start (see LogStartOffset)
 *   compacted-offset                 where the log is compacted up to (see CompactedOffset)
 *   .clean-shutdown                  present only between a clean close and the next open
 * </pre>
 * A file renamed to end in {@code .deleted} is on its way out and is removed on the next open, as is a
 * {@code log-start-offset.tmp} (or {@code compacted-offset.tmp}) that a crash left before it replaced its file.
 *
 * <p>Compaction writes a segment's replacement as {@code <base>.log.cleaned} (with
 * {@code .index.cleaned} and {@code .timeindex.cleaned}); renamed to {@code <base>.log.swap} it is
 * committed: the segments it replaces go and it becomes {@code <base>.log}. The next open removes a
 * {@code .cleaned} file and finishes a swap (see {@link Compaction}).
 */
public final class LogFiles {

    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    public static final String DELETED_SUFFIX = ".deleted";
    public static final String CLEANED_SUFFIX = ".cleaned";
    /** The files of one segment: its batches and its two indexes. */
    static final List<String> SEGMENT_SUFFIXES = List.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX);
    public static final String SWAP_SUFFIX = ".swap";
    public static final String RECOVERY_POINT = "recovery-point";
    public static final String LOG_START_OFFSET = "log-start-offset";
    public static final String LOG_START_OFFSET_STAGED = LOG_START_OFFSET + ".tmp";
    public static final String COMPACTED_OFFSET = "compacted-offset";
    public static final String CLEAN_SHUTDOWN = ".clean-shutdown";

    private static final int OFFSET_DIGITS = 20;

    private LogFiles() {
    }

    public static String fileName(long baseOffset, String suffix) {
        String digits = Long.toString(baseOffset);
        return "0".repeat(OFFSET_DIGITS - digits.length()) + digits + suffix;
    }

    /** The base offset a segment file is named after, or -1 if the name is not a segment file's. */
    public static long baseOffsetOf(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != OFFSET_DIGITS + suffix.length()) {
            return -1;
        }
        String digits = fileName.substring(0, OFFSET_DIGITS);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(digits);
    }
}
