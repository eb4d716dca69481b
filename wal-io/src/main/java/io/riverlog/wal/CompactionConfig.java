package io.riverlog.wal;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * How a log is compacted (Kafka's log cleaner settings for one topic); the broker's defaults and
 * their meaning live in this module's {@code reference.conf} under {@code riverlog.log.compaction}.
 *
 * @param compacts               whether the topic's cleanup policy includes {@code compact}
 * @param minCleanableDirtyRatio a log is compacted once this share of its cleanable bytes was not compacted yet
 * @param minLagMs               a record stays uncompacted at least this long (by the newest timestamp of its segment)
 * @param maxLagMs               a record stays uncompacted at most about this long, whatever the dirty ratio
 * @param deleteRetentionMs      a tombstone is kept this long after the first compaction that saw it
 */
public record CompactionConfig(boolean compacts, double minCleanableDirtyRatio, long minLagMs, long maxLagMs,
                               long deleteRetentionMs) {
    private static final String PATH = "riverlog.log.compaction.";
    /** A log that is never compacted. */
    public static final CompactionConfig NONE = new CompactionConfig(false, 0.5, 0, Long.MAX_VALUE, 86_400_000L);

    public CompactionConfig {
        if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
            throw new IllegalArgumentException("min-cleanable-dirty-ratio must be in [0, 1], not "
                    + minCleanableDirtyRatio);
        }
        if (minLagMs < 0 || maxLagMs < 1 || deleteRetentionMs < 0) {
            throw new IllegalArgumentException("compaction lags must be positive and delete retention not negative");
        }
    }

    /** Reads the {@code riverlog.log.compaction} block (the policy itself is the topic's). */
    public static CompactionConfig fromConfig(Config config) {
        return new CompactionConfig(false,
                ConfigValues.doubleValue(config, PATH + "min-cleanable-dirty-ratio", 0, 1),
                ConfigValues.duration(config, PATH + "min-lag", Duration.ZERO, ConfigValues.MAX_DURATION).toMillis(),
                maxLagMs(ConfigValues.duration(config, PATH + "max-lag", Duration.ofMillis(1),
                        ConfigValues.MAX_DURATION)),
                ConfigValues.duration(config, PATH + "delete-retention", Duration.ZERO, ConfigValues.MAX_DURATION)
                        .toMillis());
    }

    /** The longest duration a setting takes stands for no limit, Kafka's {@code Long.MAX_VALUE}. */
    private static long maxLagMs(Duration setting) {
        return setting.equals(ConfigValues.MAX_DURATION) ? Long.MAX_VALUE : setting.toMillis();
    }

    public CompactionConfig withCompacts(boolean value) {
        return new CompactionConfig(value, minCleanableDirtyRatio, minLagMs, maxLagMs, deleteRetentionMs);
    }

    public CompactionConfig withMinCleanableDirtyRatio(double value) {
        return new CompactionConfig(compacts, value, minLagMs, maxLagMs, deleteRetentionMs);
    }

    public CompactionConfig withLags(long minMs, long maxMs) {
        return new CompactionConfig(compacts, minCleanableDirtyRatio, minMs, maxMs, deleteRetentionMs);
    }

    public CompactionConfig withDeleteRetentionMs(long value) {
        return new CompactionConfig(compacts, minCleanableDirtyRatio, minLagMs, maxLagMs, value);
    }
}
