package io.riverlog.settings;

import java.time.Duration;
import java.util.List;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;

/**
 * Reads one setting by its full path and checks that it lies within what the code can use, so that
 * no value wraps on its way into an int, overflows a buffer or a timer, or turns a timeout to zero:
 * a value out of range is a {@link SettingOutOfRangeException} that names the setting and its range,
 * which the broker reports as one line at start. Every module's settings class reads through here
 * (this module is the lowest; the others depend on it).
 */
public final class ConfigValues {
    /** The largest buffer a JVM allocates: an array of this many bytes (as the JDK's collections assume). */
    public static final int MAX_BUFFER_BYTES = Integer.MAX_VALUE - 8;
    /** The longest duration, in whole days, that still converts to nanoseconds in a long (about 292 years). */
    public static final Duration MAX_DURATION = Duration.ofDays(106_751);
    /** The longest duration a protocol field of int32 milliseconds carries (about 24.8 days). */
    public static final Duration MAX_INT_MILLIS = Duration.ofMillis(Integer.MAX_VALUE);

    /** Where Pekko's scheduler, which runs every timer and ask timeout, takes its tick. */
    static final String SCHEDULER_TICK = "pekko.scheduler.tick-duration";
    /** Pekko's default tick, for a configuration without Pekko's defaults in it. */
    private static final Duration DEFAULT_SCHEDULER_TICK = Duration.ofMillis(10);
    private static final Duration SMALLEST_POSITIVE = Duration.ofNanos(1);

    private ConfigValues() {
    }

    /** A size in bytes (a number, or HOCON's "64 MiB") that is used as an int. */
    public static int intBytes(Config config, String path, int min, int max) {
        return (int) bytes(config, path, min, max);
    }

    /** A size in bytes (a number, or HOCON's "64 MiB"). */
    public static long bytes(Config config, String path, long min, long max) {
        // A plain number is taken as it is, so that a negative one gets the range too (HOCON refuses it without).
        long value = config.getValue(path).valueType() == ConfigValueType.NUMBER ? config.getLong(path)
                : config.getBytes(path);
        return inRange(path, value, min, max, " bytes");
    }

    /** A whole number that is used as an int. */
    public static int intValue(Config config, String path, int min, int max) {
        return (int) longValue(config, path, min, max);
    }

    public static long longValue(Config config, String path, long min, long max) {
        return inRange(path, config.getLong(path), min, max, "");
    }

    /** A fraction or other real number in {@code [min, max]}. */
    public static double doubleValue(Config config, String path, double min, double max) {
        double value = config.getDouble(path);
        if (!(value >= min && value <= max)) {
            throw new SettingOutOfRangeException(path, value, "it must be between " + min + " and " + max);
        }
        return value;
    }

    /** A duration above zero (and short enough to count in nanoseconds). */
    public static Duration positiveDuration(Config config, String path) {
        return duration(config, path, SMALLEST_POSITIVE, MAX_DURATION);
    }

    /** A positive duration that is waited for with a timer or an ask, so it must fit Pekko's scheduler. */
    public static Duration timerDuration(Config config, String path) {
        return duration(config, path, SMALLEST_POSITIVE, longestTimer(config));
    }

    /** As {@link #timerDuration}, but zero (no wait) is allowed. */
    public static Duration timerDurationOrZero(Config config, String path) {
        return duration(config, path, Duration.ZERO, longestTimer(config));
    }

    public static Duration duration(Config config, String path, Duration min, Duration max) {
        Duration value = config.getDuration(path);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new SettingOutOfRangeException(path, config.getValue(path).unwrapped(),
                    "it must be " + rangeOf(min, max));
        }
        return value;
    }

    /** A list of positive durations. */
    public static List<Duration> positiveDurations(Config config, String path) {
        List<Duration> values = config.getDurationList(path);
        for (Duration value : values) {
            if (value.compareTo(SMALLEST_POSITIVE) < 0 || value.compareTo(MAX_DURATION) > 0) {
                throw new SettingOutOfRangeException(path, config.getValue(path).unwrapped(),
                        "each of its durations must be "
                        + rangeOf(SMALLEST_POSITIVE, MAX_DURATION));
            }
        }
        return values;
    }

    /**
     * The longest delay Pekko's scheduler accepts, its tick times the most ticks it counts (one fewer
     * than the int limit, as it rounds a delay up to a whole tick), in whole days if it is that long:
     * 248 days with the default tick of 10 ms.
     */
    static Duration longestTimer(Config config) {
        Duration tick = config.hasPath(SCHEDULER_TICK) ? config.getDuration(SCHEDULER_TICK) : DEFAULT_SCHEDULER_TICK;
        Duration longest = tick.multipliedBy(Integer.MAX_VALUE - 1L);
        return longest.toDays() > 0 ? Duration.ofDays(longest.toDays()) : longest;
    }

    private static long inRange(String path, long value, long min, long max, String unit) {
        if (value < min || value > max) {
            throw new SettingOutOfRangeException(path, value, "it must be between " + min + " and " + max + unit);
        }
        return value;
    }

    private static String rangeOf(Duration min, Duration max) {
        String upTo = "at most " + text(max);
        if (min.isZero()) {
            return "zero or more, " + upTo;
        }
        return min.equals(SMALLEST_POSITIVE) ? "positive, " + upTo : "between " + text(min) + " and " + text(max);
    }

    /** A duration as HOCON writes it, in the largest unit that shows it whole. */
    private static String text(Duration duration) {
        if (duration.toNanosPart() % 1_000_000 != 0) {
            return duration.toNanos() + "ns";
        }
        long ms = duration.toMillis();
        if (ms % Duration.ofDays(1).toMillis() == 0 && ms > 0) {
            return duration.toDays() + "d";
        }
        return ms + "ms";
    }
}
