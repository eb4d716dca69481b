package io.riverlog.raft;

import java.time.Duration;
import java.util.Optional;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * {@code riverlog.cluster}: the members (none on a single node), the election timeouts, how long a
 * submitted entry may take, how often a starting node retries while no majority answers, how
 * many partition groups carry the partitions' data, how much memory each Raft group may hold, whether
 * its leader records its commit index in its log, and
 * how many entries a group applies between snapshots, how far behind a follower may fall and
 * still be in sync, how often moves of partition groups are looked for, whether the partition
 * groups' logs are purged behind their snapshots and how far a lagging member holds that back, and how
 * long a member waits before it asks again for a snapshot whose installation failed, and how long a
 * partition group may be without a leader before the operator is told.
 */
public record ClusterSettings(Optional<ClusterSpec> spec, Duration electionTimeoutMin, Duration electionTimeoutMax,
                             Duration requestTimeout, Duration joinRetryInterval, Duration appenderRetryInterval,
                             int partitionGroups, long logSegmentBytes, long logCacheBytes, long pendingBytes,
                             boolean logCommitIndex,
                             int snapshotEntries, Duration replicaLagTime, Duration moveCheckInterval,
                             boolean purgeRaftLogs, int laggingMemberEntries, Duration installRetryInterval,
                             Duration leaderlessWarning) {
    private static final String PATH = "riverlog.cluster.";
    /** Each group costs every member a handful of threads (about six): more than this is a mistake. */
    private static final int MAX_PARTITION_GROUPS = 1024;
    /** Below this a single produce batch (up to 1 MiB by default) would not fit in a group's buffers. */
    private static final long MIN_GROUP_BYTES = 1L << 20;

    /**
     * Reads the settings; {@code nodeId} is this node's id.
     *
     * @throws IllegalArgumentException if the members are malformed or lack this node, or the
     *                                  election timeouts are not min &lt; max
     */
    public static ClusterSettings fromConfig(Config config, int nodeId) {
        String members = config.getString(PATH + "members").trim();
        Optional<ClusterSpec> spec = members.isEmpty() ? Optional.empty()
                : Optional.of(ClusterSpec.parse(nodeId, members));
        Duration min = ConfigValues.positiveDuration(config, PATH + "election-timeout-min");
        Duration max = ConfigValues.positiveDuration(config, PATH + "election-timeout-max");
        if (max.compareTo(min) <= 0) {
            throw new IllegalArgumentException(PATH + "election-timeout-max (" + max + ") must be longer than "
                    + PATH + "election-timeout-min (" + min + ")");
        }
        return new ClusterSettings(spec, min, max, ConfigValues.positiveDuration(config, PATH + "request-timeout"),
                ConfigValues.timerDuration(config, PATH + "join-retry-interval"),
                ConfigValues.positiveDuration(config, PATH + "appender-retry-interval"),
                ConfigValues.intValue(config, PATH + "partition-groups", 1, MAX_PARTITION_GROUPS),
                ConfigValues.bytes(config, PATH + "raft-log-segment-size", MIN_GROUP_BYTES, Integer.MAX_VALUE),
                ConfigValues.bytes(config, PATH + "raft-log-cache-size", MIN_GROUP_BYTES, Integer.MAX_VALUE),
                ConfigValues.bytes(config, PATH + "pending-bytes", MIN_GROUP_BYTES, Integer.MAX_VALUE),
                config.getBoolean(PATH + "raft-log-commit-index"),
                ConfigValues.intValue(config, PATH + "raft-snapshot-entries", 1, Integer.MAX_VALUE),
                ConfigValues.positiveDuration(config, PATH + "replica-lag-time"),
                ConfigValues.timerDuration(config, PATH + "move-check-interval"),
                config.getBoolean(PATH + "purge-raft-logs"),
                ConfigValues.intValue(config, PATH + "lagging-member-entries", 0, Integer.MAX_VALUE),
                ConfigValues.timerDuration(config, PATH + "snapshot-install-retry-interval"),
                ConfigValues.positiveDuration(config, PATH + "leaderless-warning"));
    }
}
