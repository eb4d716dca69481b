package io.riverlog.actors.partition;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

import io.riverlog.wal.LogConfig;
import io.riverlog.wal.PartitionLog;
import io.riverlog.wal.Storage;

/**
 * How a partition's writer opens (recovers) its log when the partition starts: as it is, or, for a
 * replica of a replicated partition, after cutting it back to what the replica recorded as applied.
 */
@FunctionalInterface
public interface LogOpener {
    /** Opens the log as it is. */
    LogOpener AS_IT_IS = (dir, config, storage) -> PartitionLog.open(dir, config, Clock.systemUTC(), storage);

    PartitionLog open(Path dir, LogConfig config, Storage storage) throws IOException;
}
