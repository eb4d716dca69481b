package io.riverlog.actors.groups;

import java.nio.file.Path;
import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.actors.groups.offsets.OffsetStorageSettings;
import io.riverlog.settings.ConfigValues;
import io.riverlog.wal.LogConfig;

/**
 * Settings of the consumer groups, from {@code riverlog.groups} in this module's reference.conf (and,
 * for the offsets log, {@code riverlog.log} in wal-io's), where each is explained.
 *
 * @param dataDir                the broker's data directory; the offsets log is {@code groups/} in it
 * @param offsetsLog             the offsets log's settings (never cut by retention)
 * @param minSessionTimeout      the shortest session timeout a member may ask for
 * @param maxSessionTimeout      the longest session timeout a member may ask for
 * @param initialRebalanceDelay  how long the first rebalance of an empty group waits for more members
 * @param maxOffsetMetadataBytes the largest metadata a committed offset may carry
 * @param offsetStorage          snapshots and expiry of the committed offsets
 */
public record GroupSettings(Path dataDir, LogConfig offsetsLog, Duration minSessionTimeout,
                            Duration maxSessionTimeout, Duration initialRebalanceDelay,
                            int maxOffsetMetadataBytes, OffsetStorageSettings offsetStorage) {

    /** The offsets log's directory in the data directory. */
    public static final String GROUPS_DIR = "groups";
    /** Limits of LogConfig that mean "keep everything". */
    private static final long NO_RETENTION = -1;

    public GroupSettings {
        if (minSessionTimeout.compareTo(maxSessionTimeout) > 0) {
            throw new IllegalArgumentException("riverlog.groups.min-session-timeout " + minSessionTimeout
                    + " is above max-session-timeout " + maxSessionTimeout);
        }
        if (initialRebalanceDelay.isNegative()) {
            throw new IllegalArgumentException("riverlog.groups.initial-rebalance-delay must not be negative");
        }
        if (maxOffsetMetadataBytes < 0) {
            throw new IllegalArgumentException("riverlog.groups.max-offset-metadata-bytes must not be negative");
        }
    }

    public static GroupSettings fromConfig(Config config) {
        String groups = "riverlog.groups.";
        return new GroupSettings(
                Path.of(config.getString("riverlog.data-dir")),
                LogConfig.fromConfig(config).withRetention(NO_RETENTION, NO_RETENTION),
                // Members ask for session timeouts in int32 milliseconds.
                ConfigValues.duration(config, groups + "min-session-timeout",
                        Duration.ZERO, ConfigValues.MAX_INT_MILLIS),
                ConfigValues.duration(config, groups + "max-session-timeout",
                        Duration.ZERO, ConfigValues.MAX_INT_MILLIS),
                ConfigValues.timerDurationOrZero(config, groups + "initial-rebalance-delay"),
                ConfigValues.intBytes(config, groups + "max-offset-metadata-bytes", 0, Integer.MAX_VALUE),
                OffsetStorageSettings.fromConfig(config));
    }

    public Path offsetsDir() {
        return dataDir.resolve(GROUPS_DIR);
    }

}
