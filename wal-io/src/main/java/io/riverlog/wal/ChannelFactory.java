package io.riverlog.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the files a log reads and writes. Production uses {@link #DEFAULT}; tests pass a factory
 * whose channels fail on demand, to show what a full disk or a failed fsync does.
 */
@FunctionalInterface
public interface ChannelFactory {
    ChannelFactory DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
