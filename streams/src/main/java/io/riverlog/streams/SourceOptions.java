package io.riverlog.streams;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * How a {@link PartitionSource} reads its partition; the defaults and their meaning live in
 * {@code riverlog.streams} in this module's reference.conf.
 *
 * @param maxBytesPerRead bytes one read asks for (whole batches: at least one, more while they fit)
 * @param maxWaitAtTail   how long one read at the high watermark waits for new records
 * @param askTimeout      how long a read may take to be answered beyond its wait at the tail
 * @param follow          true: follow the tail until cancelled; false: complete at the high
 *                        watermark as it was when the stream reached it
 */
public record SourceOptions(int maxBytesPerRead, Duration maxWaitAtTail, Duration askTimeout, boolean follow) {

    public SourceOptions {
        if (maxBytesPerRead <= 0) {
            throw new IllegalArgumentException("max bytes per read must be positive, not " + maxBytesPerRead);
        }
        // A zero wait would make a following stream ask its partition again and again at the tail.
        if (maxWaitAtTail.isZero() || maxWaitAtTail.isNegative()) {
            throw new IllegalArgumentException("max wait at the tail must be positive, not " + maxWaitAtTail);
        }
        if (askTimeout.isZero() || askTimeout.isNegative()) {
            throw new IllegalArgumentException("ask timeout must be positive, not " + askTimeout);
        }
    }

    /** The options of {@code riverlog.streams}. */
    public static SourceOptions fromConfig(Config config) {
        String streams = "riverlog.streams.";
        return new SourceOptions(
                ConfigValues.intBytes(config, streams + "max-bytes-per-read", 1, ConfigValues.MAX_BUFFER_BYTES),
                ConfigValues.timerDuration(config, streams + "max-wait-at-tail"),
                ConfigValues.timerDuration(config, streams + "ask-timeout"),
                config.getBoolean(streams + "follow"));
    }

    public SourceOptions withMaxBytesPerRead(int bytes) {
        return new SourceOptions(bytes, maxWaitAtTail, askTimeout, follow);
    }

    public SourceOptions withMaxWaitAtTail(Duration wait) {
        return new SourceOptions(maxBytesPerRead, wait, askTimeout, follow);
    }

    public SourceOptions withAskTimeout(Duration timeout) {
        return new SourceOptions(maxBytesPerRead, maxWaitAtTail, timeout, follow);
    }

    public SourceOptions withFollow(boolean followTail) {
        return new SourceOptions(maxBytesPerRead, maxWaitAtTail, askTimeout, followTail);
    }

    /** How long one read may wait at the tail: not at all unless the stream follows it. */
    Duration readWait() {
        return follow ? maxWaitAtTail : Duration.ZERO;
    }

    /** How long the stream waits for the answer to one read before it fails. */
    Duration readTimeout() {
        return readWait().plus(askTimeout);
    }
}
