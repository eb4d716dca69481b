package io.riverlog.actors.partition;

import java.math.BigInteger;
import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of the broker's background {@link Scrubber}, read from {@code riverlog.partition}
 * (where each is explained).
 *
 * @param bytesPerSecond broker-wide budget of bytes verified per second; 0 disables the scrub
 * @param interval       how often a share of the budget is handed out
 */
public record ScrubSettings(long bytesPerSecond, Duration interval) {
    static final String BYTES_PER_SECOND = "riverlog.partition.scrub-bytes-per-second";
    static final String INTERVAL = "riverlog.partition.scrub-interval";
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(Duration.ofSeconds(1).toNanos());

    public ScrubSettings {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException(BYTES_PER_SECOND + " must be 0 (off) or more, not " + bytesPerSecond);
        }
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException(INTERVAL + " must be positive, not " + interval);
        }
    }

    public static ScrubSettings fromConfig(Config config) {
        return new ScrubSettings(ConfigValues.bytes(config, BYTES_PER_SECOND, 0, Long.MAX_VALUE),
                ConfigValues.timerDuration(config, INTERVAL));
    }

    public boolean enabled() {
        return bytesPerSecond > 0;
    }

    /** The budget of one interval: at least one byte (so at least one batch) while the scrub is on. */
    long bytesPerInterval() {
        BigInteger bytes = BigInteger.valueOf(bytesPerSecond).multiply(BigInteger.valueOf(interval.toNanos()))
                .divide(NANOS_PER_SECOND);
        return Math.max(1, bytes.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
    }
}
