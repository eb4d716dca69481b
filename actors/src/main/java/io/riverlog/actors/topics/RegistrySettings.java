package io.riverlog.actors.topics;

import java.nio.file.Path;

import com.typesafe.config.Config;

import io.riverlog.actors.partition.CleanerSettings;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.partition.ScrubSettings;
import io.riverlog.settings.ConfigValues;
import io.riverlog.wal.LogConfig;

/**
 * Settings of the {@link TopicRegistry}, read from {@code riverlog.data-dir}, {@code riverlog.topics}
 * and (for the partitions it spawns) {@code riverlog.partition} in this module's reference.conf and
 * {@code riverlog.log} in wal-io's, where each is explained.
 *
 * <p>Layout under the data directory:
 * <pre>
 *   meta/                        the metadata log: one record per topic change or producer id reservation
 *   topics/&lt;topic&gt;-&lt;partition&gt;/   one partition log per directory
 * </pre>
 *
 * @param dataDir           the broker's data directory
 * @param partition         settings of every partition, before a topic's own configs override them
 * @param defaultPartitions partitions of a topic created without a count
 * @param pendingCommands   bound of the commands held while loading, and of the changes queued
 * @param maxPartitionsPerTopic the most partitions a topic may be created with or grow to
 * @param scrub             the background scrub of every partition's log
 * @param producerIdBlockSize   producer ids reserved by one write to the metadata log
 * @param cleaner           the log cleaner, which compacts the partitions of compacted topics
 */
public record RegistrySettings(Path dataDir, PartitionSettings partition, int defaultPartitions,
                               int pendingCommands, int maxPartitionsPerTopic, ScrubSettings scrub,
                               int producerIdBlockSize, CleanerSettings cleaner) {

    static final String METADATA_DIR = "meta";
    static final String TOPICS_DIR = "topics";
    /** Limits of LogConfig that mean "keep everything". */
    private static final long NO_RETENTION = -1;

    public RegistrySettings {
        if (defaultPartitions < 1) {
            throw new IllegalArgumentException("riverlog.topics.default-partitions must be at least 1, not "
                    + defaultPartitions);
        }
        if (maxPartitionsPerTopic < defaultPartitions) {
            throw new IllegalArgumentException("riverlog.topics.max-partitions-per-topic must be at least"
                    + " riverlog.topics.default-partitions, not " + maxPartitionsPerTopic);
        }
        if (pendingCommands < 1) {
            throw new IllegalArgumentException("riverlog.topics.pending-commands must be at least 1, not "
                    + pendingCommands);
        }
        if (producerIdBlockSize < 1) {
            throw new IllegalArgumentException("riverlog.topics.producer-id-block-size must be at least 1, not "
                    + producerIdBlockSize);
        }
    }

    public static RegistrySettings fromConfig(Config config) {
        String topics = "riverlog.topics.";
        return new RegistrySettings(
                Path.of(config.getString("riverlog.data-dir")),
                PartitionSettings.fromConfig(config),
                ConfigValues.intValue(config, topics + "default-partitions", 1, Integer.MAX_VALUE),
                ConfigValues.intValue(config, topics + "pending-commands", 1, Integer.MAX_VALUE),
                ConfigValues.intValue(config, topics + "max-partitions-per-topic", 1, Integer.MAX_VALUE),
                ScrubSettings.fromConfig(config),
                ConfigValues.intValue(config, topics + "producer-id-block-size", 1, Integer.MAX_VALUE),
                CleanerSettings.fromConfig(config));
    }

    public RegistrySettings withScrub(ScrubSettings scrubSettings) {
        return new RegistrySettings(dataDir, partition, defaultPartitions, pendingCommands, maxPartitionsPerTopic,
                scrubSettings, producerIdBlockSize, cleaner);
    }

    public Path metadataDir() {
        return dataDir.resolve(METADATA_DIR);
    }

    public Path topicsDir() {
        return dataDir.resolve(TOPICS_DIR);
    }

    public Path partitionDir(PartitionId id) {
        return topicsDir().resolve(id.directoryName());
    }

    /** The metadata log uses the partition log's settings, but retention must never cut it. */
    LogConfig metadataLog() {
        return partition.log().withRetention(NO_RETENTION, NO_RETENTION);
    }
}
