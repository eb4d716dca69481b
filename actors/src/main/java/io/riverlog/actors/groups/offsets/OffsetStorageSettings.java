package io.riverlog.actors.groups.offsets;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * How committed offsets are kept, from {@code riverlog.groups} in this module's reference.conf, where
 * each is explained.
 *
 * @param snapshotAfterChanges   changes written to the offsets log after which the next write snapshots the table
 * @param retention              how long offsets of an empty group (or of no group) are kept
 * @param retentionCheckInterval how often expired offsets are looked for
 */
public record OffsetStorageSettings(long snapshotAfterChanges, Duration retention, Duration retentionCheckInterval) {

    public OffsetStorageSettings {
        if (snapshotAfterChanges < 1) {
            throw new IllegalArgumentException("riverlog.groups.offsets-snapshot-after-changes must be positive");
        }
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("riverlog.groups.offsets-retention must be positive");
        }
        if (retentionCheckInterval.isNegative() || retentionCheckInterval.isZero()) {
            throw new IllegalArgumentException("riverlog.groups.offsets-retention-check-interval must be positive");
        }
    }

    public static OffsetStorageSettings fromConfig(Config config) {
        String groups = "riverlog.groups.";
        return new OffsetStorageSettings(
                ConfigValues.longValue(config, groups + "offsets-snapshot-after-changes", 1, Long.MAX_VALUE),
                ConfigValues.positiveDuration(config, groups + "offsets-retention"),
                ConfigValues.timerDuration(config, groups + "offsets-retention-check-interval"));
    }
}
