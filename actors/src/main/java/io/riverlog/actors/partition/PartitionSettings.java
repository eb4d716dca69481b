package io.riverlog.actors.partition;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.wal.LogConfig;

/**
 * Settings of a partition actor and its log, read from {@code riverlog.partition} and
 * {@code riverlog.log} in application.conf (where each is explained).
 */
public record PartitionSettings(FsyncPolicy fsyncPolicy, Duration fsyncInterval, long bufferMaxBytes,
                                Duration retentionCheckInterval, int pendingWhileOpening,
                                long producerStateScanBytes, int producerBatchesRemembered,
                                Duration storageRetryInterval, LogConfig log) {

    public static PartitionSettings fromConfig(Config config) {
        Config partition = config.getConfig("riverlog.partition");
        return new PartitionSettings(
                FsyncPolicy.parse(partition.getString("fsync-policy")),
                partition.getDuration("fsync-interval"),
                partition.getBytes("buffer-max-bytes"),
                partition.getDuration("retention-check-interval"),
                partition.getInt("pending-while-opening"),
                partition.getBytes("producer-state-scan-bytes"),
                partition.getInt("producer-batches-remembered"),
                partition.getDuration("storage-retry-interval"),
                LogConfig.fromConfig(config));
    }

    public PartitionSettings withLog(LogConfig logConfig) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerStateScanBytes, producerBatchesRemembered, storageRetryInterval, logConfig);
    }

    public PartitionSettings withBufferMaxBytes(long bytes) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bytes, retentionCheckInterval, pendingWhileOpening,
                producerStateScanBytes, producerBatchesRemembered, storageRetryInterval, log);
    }

    public PartitionSettings withFsyncPolicy(FsyncPolicy policy) {
        return new PartitionSettings(policy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerStateScanBytes, producerBatchesRemembered, storageRetryInterval, log);
    }

    public PartitionSettings withStorageRetryInterval(Duration interval) {
        return new PartitionSettings(fsyncPolicy, fsyncInterval, bufferMaxBytes, retentionCheckInterval, pendingWhileOpening,
                producerStateScanBytes, producerBatchesRemembered, interval, log);
    }
}
