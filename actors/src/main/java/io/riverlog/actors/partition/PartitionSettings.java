package io.riverlog.actors.partition;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.wal.LogConfig;

/**
 * Settings of a partition actor and its log, read from {@code riverlog.partition} and
 * {@code riverlog.log} in application.conf (where each is explained). Every partition created
 * with the same settings (or copies made with the {@code with} methods) shares one
 * {@link BufferMemory}: a broker reads its settings once.
 */
public record PartitionSettings(FsyncPolicy fsyncPolicy, Duration fsyncInterval, long bufferMaxBytes,
                                Duration retentionCheckInterval, int pendingWhileOpening,
                                int producerBatchesRemembered, Duration storageRetryInterval, LogConfig log,
                                BufferMemory bufferMemory) {

    public static PartitionSettings fromConfig(Config config) {
        Config partition = config.getConfig("riverlog.partition");
        return new PartitionSettings(
                FsyncPolicy.parse(partition.getString("fsync-policy")),
                partition.getDuration("fsync-interval"),
                partition.getBytes("buffer-max-bytes"),
                partition.getDuration("retention-check-interval"),
                partition.getInt("pending-while-opening"),
                partition.getInt("producer-batches-remembered"),
                partition.getDuration("storage-retry-interval"),
                LogConfig.fromConfig(config),
                new BufferMemory(partition.getBytes("all-buffers-max-bytes")));
    }

    public PartitionSettings withLog(LogConfig logConfig) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, logConfig, bufferMemory);
    }

    public PartitionSettings withBufferMaxBytes(long bytes) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, log, bufferMemory);
    }

    public PartitionSettings withFsyncPolicy(FsyncPolicy policy) {
        return new PartitionSettings(policy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, storageRetryInterval, log, bufferMemory);
    }

    public PartitionSettings withStorageRetryInterval(Duration interval) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerBatchesRemembered, interval, log, bufferMemory);
    }
}
