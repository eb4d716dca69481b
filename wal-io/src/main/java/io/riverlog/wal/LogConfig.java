package io.riverlog.wal;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of one partition log; the defaults and their meaning live in this module's
 * {@code reference.conf} under {@code riverlog.log}.
 *
 * @param segmentBytes        a segment rolls before it would grow past this
 * @param indexIntervalBytes  bytes of batches between two sparse offset-index entries
 * @param retentionBytes      the log is cut, oldest whole segments first, to about this size; -1: no limit
 * @param retentionMs         a segment whose newest record is older than this is deleted; -1: no limit
 * @param segmentDeleteDelayMs a deleted segment's files stay open this long so in-flight reads finish
 * @param recoveryReadBytes   recovery reads the log in chunks of this size
 * @param segmentMs           a segment rolls once it has taken appends for this long
 * @param deletesByRetention  whether the retention limits delete segments (a topic's cleanup.policy
 *                            includes {@code delete}); a compacted-only log keeps them
 * @param compaction          whether and how the log is compacted (see {@link Compaction})
 */
public record LogConfig(int segmentBytes, int indexIntervalBytes, long retentionBytes, long retentionMs,
                        long segmentDeleteDelayMs, int recoveryReadBytes, long segmentMs,
                        boolean deletesByRetention, CompactionConfig compaction) {
    private static final String PATH = "riverlog.log.";
    /** A retention limit that keeps everything. */
    private static final long NO_LIMIT = -1;
    /** A segment age that never rolls a segment. */
    public static final long NEVER_ROLL_BY_AGE = Long.MAX_VALUE;

    public LogConfig {
        if (segmentBytes < BatchFormat.HEADER_BYTES) {
            throw new IllegalArgumentException("segment-bytes must be at least " + BatchFormat.HEADER_BYTES);
        }
        if (indexIntervalBytes < 1) {
            throw new IllegalArgumentException("index-interval-bytes must be positive");
        }
        if (recoveryReadBytes < BatchFormat.HEADER_BYTES) {
            throw new IllegalArgumentException("recovery-read-bytes must be at least " + BatchFormat.HEADER_BYTES);
        }
        if (compaction == null) {
            throw new IllegalArgumentException("compaction settings are required");
        }
        if (segmentMs < 1) {
            throw new IllegalArgumentException("segment-ms must be positive");
        }
    }

    /** Settings that roll segments by size only and delete by retention. */
    public LogConfig(int segmentBytes, int indexIntervalBytes, long retentionBytes, long retentionMs,
                     long segmentDeleteDelayMs, int recoveryReadBytes) {
        this(segmentBytes, indexIntervalBytes, retentionBytes, retentionMs, segmentDeleteDelayMs, recoveryReadBytes,
                NEVER_ROLL_BY_AGE, true, CompactionConfig.NONE);
    }

    /** Reads the {@code riverlog.log} block of the given configuration. */
    public static LogConfig fromConfig(Config config) {
        return new LogConfig(
                ConfigValues.intBytes(config, PATH + "segment-bytes", BatchFormat.HEADER_BYTES, Integer.MAX_VALUE),
                ConfigValues.intBytes(config, PATH + "index-interval-bytes", 1, Integer.MAX_VALUE),
                ConfigValues.longValue(config, PATH + "retention-bytes", NO_LIMIT, Long.MAX_VALUE),
                ConfigValues.longValue(config, PATH + "retention-ms", NO_LIMIT, Long.MAX_VALUE),
                ConfigValues.duration(config, PATH + "segment-delete-delay", Duration.ZERO, ConfigValues.MAX_DURATION)
                        .toMillis(),
                ConfigValues.intBytes(config, PATH + "recovery-read-bytes", BatchFormat.HEADER_BYTES,
                        ConfigValues.MAX_BUFFER_BYTES),
                ConfigValues.duration(config, PATH + "segment-ms", Duration.ofMillis(1), ConfigValues.MAX_DURATION)
                        .toMillis(),
                true, CompactionConfig.fromConfig(config));
    }

    public LogConfig withSegmentBytes(int bytes) {
        return new LogConfig(bytes, indexIntervalBytes, retentionBytes, retentionMs, segmentDeleteDelayMs,
                recoveryReadBytes, segmentMs, deletesByRetention, compaction);
    }

    public LogConfig withRetention(long bytes, long ms) {
        return new LogConfig(segmentBytes, indexIntervalBytes, bytes, ms, segmentDeleteDelayMs, recoveryReadBytes,
                segmentMs, deletesByRetention, compaction);
    }

    public LogConfig withSegmentMs(long ms) {
        return new LogConfig(segmentBytes, indexIntervalBytes, retentionBytes, retentionMs, segmentDeleteDelayMs,
                recoveryReadBytes, ms, deletesByRetention, compaction);
    }

    public LogConfig withIndexIntervalBytes(int bytes) {
        return new LogConfig(segmentBytes, bytes, retentionBytes, retentionMs, segmentDeleteDelayMs,
                recoveryReadBytes, segmentMs, deletesByRetention, compaction);
    }

    public LogConfig withSegmentDeleteDelayMs(long ms) {
        return new LogConfig(segmentBytes, indexIntervalBytes, retentionBytes, retentionMs, ms, recoveryReadBytes,
                segmentMs, deletesByRetention, compaction);
    }

    public LogConfig withCompaction(CompactionConfig value) {
        return new LogConfig(segmentBytes, indexIntervalBytes, retentionBytes, retentionMs, segmentDeleteDelayMs,
                recoveryReadBytes, segmentMs, deletesByRetention, value);
    }

    /**
     * How long the active segment takes appends before it rolls: {@code segmentMs}, or sooner for a
     * compacted log whose records may stay uncompacted only {@code max.compaction.lag.ms}, because the
     * active segment is never compacted.
     */
    public long rollAfterMs() {
        return compaction.compacts() ? Math.min(segmentMs, compaction.maxLagMs()) : segmentMs;
    }

    public LogConfig withDeletesByRetention(boolean deletes) {
        return new LogConfig(segmentBytes, indexIntervalBytes, retentionBytes, retentionMs, segmentDeleteDelayMs,
                recoveryReadBytes, segmentMs, deletes, compaction);
    }
}
