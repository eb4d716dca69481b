package io.riverlog.actors.partition;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of the broker's {@link LogCleaner}, read from {@code riverlog.cleaner} (where each is
 * explained).
 *
 * @param enabled           whether compacted topics are compacted at all
 * @param checkInterval     how often every partition is asked whether it needs compaction
 * @param ioBytesPerSecond  bytes the cleaner reads and writes per second at most; 0: no limit
 * @param keyMapBytes       memory of the map of latest offsets per key (24 bytes per key)
 * @param readBufferBytes   the cleaner reads segments in chunks of this size
 * @param turnTimeout       a partition that does not answer the cleaner within this is passed over
 */
public record CleanerSettings(boolean enabled, Duration checkInterval, long ioBytesPerSecond, int keyMapBytes,
                              int readBufferBytes, Duration turnTimeout) {
    public static final String DISPATCHER = "riverlog.cleaner-dispatcher";
    private static final String PATH = "riverlog.cleaner.";
    /** The smallest key map: a few keys, so that a pass always makes progress in tests. */
    private static final int MIN_KEY_MAP_BYTES = 48;

    public static CleanerSettings fromConfig(Config config) {
        return new CleanerSettings(config.getBoolean(PATH + "enabled"),
                ConfigValues.timerDuration(config, PATH + "check-interval"),
                ConfigValues.bytes(config, PATH + "io-bytes-per-second", 0, Long.MAX_VALUE),
                ConfigValues.intBytes(config, PATH + "key-map-bytes", MIN_KEY_MAP_BYTES, ConfigValues.MAX_BUFFER_BYTES),
                ConfigValues.intBytes(config, PATH + "read-buffer-bytes", io.riverlog.wal.BatchFormat.HEADER_BYTES,
                        ConfigValues.MAX_BUFFER_BYTES),
                ConfigValues.timerDuration(config, PATH + "turn-timeout"));
    }
}
