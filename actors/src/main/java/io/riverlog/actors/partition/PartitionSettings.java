package io.riverlog.actors.partition;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;
import io.riverlog.wal.LogConfig;

/**
 * Settings of a partition actor and its log, read from {@code riverlog.partition} (this module's
 * reference.conf) and {@code riverlog.log} (wal-io's), where each is explained. Every partition created
 * with the same settings (or copies made with the {@code with} methods) shares one
 * {@link BufferMemory}: a broker reads its settings once.
 */
public record PartitionSettings(FsyncPolicy fsyncPolicy, Duration fsyncInterval, long bufferMaxBytes,
                                Duration retentionCheckInterval, int pendingWhileOpening,
                                int producerBatchesRemembered, Duration storageRetryInterval, LogConfig log,
                                BufferMemory bufferMemory, AppendPolicy appendPolicy) {

    private static final String PATH = "riverlog.partition.";

    public static PartitionSettings fromConfig(Config config) {
        return new PartitionSettings(
                FsyncPolicy.parse(config.getString(PATH + "fsync-policy")),
                ConfigValues.timerDuration(config, PATH + "fsync-interval"),
                ConfigValues.bytes(config, PATH + "buffer-max-bytes", 0, Long.MAX_VALUE),
                ConfigValues.timerDuration(config, PATH + "retention-check-interval"),
                ConfigValues.intValue(config, PATH + "pending-while-opening", 1, Integer.MAX_VALUE),
                ConfigValues.intValue(config, PATH + "producer-batches-remembered", 1, Integer.MAX_VALUE),
                ConfigValues.timerDuration(config, PATH + "storage-retry-interval"),
                LogConfig.fromConfig(config),
                new BufferMemory(ConfigValues.bytes(config, PATH + "all-buffers-max-bytes", 0, Long.MAX_VALUE)),
                AppendPolicy.fromConfig(config));
    }

    /** Settings from before there were per-topic append rules: every batch is taken as it comes. */
    public PartitionSettings(FsyncPolicy fsyncPolicy, Duration fsyncInterval, long bufferMaxBytes,
                             Duration retentionCheckInterval, int pendingWhileOpening, int producerBatchesRemembered,
                             Duration storageRetryInterval, LogConfig log, BufferMemory bufferMemory) {
        this(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, log, bufferMemory,
                AppendPolicy.UNRESTRICTED);
    }

    public PartitionSettings withAppendPolicy(AppendPolicy policy) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval,
                pendingWhileOpening, producerBatchesRemembered, storageRetryInterval, log, bufferMemory, policy);
    }

    public PartitionSettings withLog(LogConfig logConfig) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval,
                pendingWhileOpening, producerBatchesRemembered, storageRetryInterval, logConfig, bufferMemory,
                appendPolicy);
    }

    public PartitionSettings withBufferMaxBytes(long bytes) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, log, bufferMemory, appendPolicy);
    }

    public PartitionSettings withFsyncPolicy(FsyncPolicy policy) {
        return new PartitionSettings(policy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, log, bufferMemory, appendPolicy);
    }

    public PartitionSettings withStorageRetryInterval(Duration interval) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval,
                pendingWhileOpening, producerBatchesRemembered, interval, log, bufferMemory, appendPolicy);
    }
}
