package io.riverlog.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.LogConfig;

class ConfigValuesTest {

    @Test
    void aSegmentSizeAboveTheIntRangeIsRefusedByItsFullPathInsteadOfWrapping() {
        Config config = ConfigFactory.parseString("riverlog.log.segment-bytes = 4.5 GiB")
                .withFallback(ConfigFactory.load());
        assertThatThrownBy(() -> LogConfig.fromConfig(config)).isInstanceOf(SettingOutOfRangeException.class)
                .isInstanceOf(ConfigException.class)
                .hasMessage("riverlog.log.segment-bytes = 4831838208 is out of range: it must be between 61 and"
                        + " 2147483647 bytes");
    }

    @Test
    void sizesAndNumbersAreTakenAtTheirBoundsAndRefusedOneBeyond() {
        Config config = ConfigFactory.parseString("""
                a.size = 2 GiB
                a.count = 10
                a.negative = -1
                """);
        assertThat(ConfigValues.bytes(config, "a.size", 0, 2L << 30)).isEqualTo(2L << 30);
        assertThatThrownBy(() -> ConfigValues.intBytes(config, "a.size", 0, Integer.MAX_VALUE))
                .hasMessage("a.size = 2147483648 is out of range: it must be between 0 and 2147483647 bytes");
        assertThat(ConfigValues.intValue(config, "a.count", 10, 10)).isEqualTo(10);
        assertThatThrownBy(() -> ConfigValues.intValue(config, "a.count", 11, 20))
                .hasMessage("a.count = 10 is out of range: it must be between 11 and 20");
        assertThat(ConfigValues.longValue(config, "a.negative", -1, Long.MAX_VALUE)).isEqualTo(-1);
        assertThatThrownBy(() -> ConfigValues.bytes(config, "a.negative", 0, Long.MAX_VALUE))
                .hasMessageStartingWith("a.negative = -1 is out of range");
    }

    @Test
    void aNumberBeyondTheIntRangeIsRefusedWithTheRangeAnIntSettingHas() {
        Config config = ConfigFactory.parseString("a.count = 3000000000");
        assertThatThrownBy(() -> ConfigValues.intValue(config, "a.count", 1, Integer.MAX_VALUE))
                .hasMessage("a.count = 3000000000 is out of range: it must be between 1 and 2147483647");
    }

    @Test
    void aDurationThatMustBePositiveIsRefusedAtZeroOrBelowAndWhereNanosecondsWouldOverflow() {
        Config config = ConfigFactory.parseString("""
                a.zero = 0s
                a.negative = -5s
                a.tiny = 1ns
                a.eons = 200000d
                """);
        assertThatThrownBy(() -> ConfigValues.positiveDuration(config, "a.zero"))
                .hasMessage("a.zero = 0s is out of range: it must be positive, at most 106751d");
        assertThatThrownBy(() -> ConfigValues.positiveDuration(config, "a.negative"))
                .hasMessageStartingWith("a.negative = -5s is out of range: it must be positive");
        assertThat(ConfigValues.positiveDuration(config, "a.tiny")).isEqualTo(Duration.ofNanos(1));
        assertThatThrownBy(() -> ConfigValues.positiveDuration(config, "a.eons"))
                .hasMessageStartingWith("a.eons = 200000d is out of range");
    }

    @Test
    void aTimerMayNotWaitLongerThanTheSchedulerCountsWithItsTick() {
        Config defaultTick = ConfigFactory.parseString("a.wait = 249d\n a.ok = 248d\n a.none = 0s");
        assertThat(ConfigValues.timerDuration(defaultTick, "a.ok")).isEqualTo(Duration.ofDays(248));
        assertThatThrownBy(() -> ConfigValues.timerDuration(defaultTick, "a.wait"))
                .hasMessage("a.wait = 249d is out of range: it must be positive, at most 248d");
        assertThat(ConfigValues.timerDurationOrZero(defaultTick, "a.none")).isZero();
        assertThatThrownBy(() -> ConfigValues.timerDuration(defaultTick, "a.none"))
                .hasMessageStartingWith("a.none = 0s is out of range");

        Config fineTick = ConfigFactory.parseString(ConfigValues.SCHEDULER_TICK + " = 1ms\n a.wait = 25d");
        assertThatThrownBy(() -> ConfigValues.timerDuration(fineTick, "a.wait"))
                .hasMessage("a.wait = 25d is out of range: it must be positive, at most 24d");
    }

    @Test
    void aDurationRangeIsSaidInTheUnitsItIsWholeIn() {
        Config config = ConfigFactory.parseString("a.heartbeat = 30d");
        assertThatThrownBy(() -> ConfigValues.duration(config, "a.heartbeat", Duration.ofMillis(1),
                ConfigValues.MAX_INT_MILLIS))
                .hasMessage("a.heartbeat = 30d is out of range: it must be between 1ms and 2147483647ms");
    }

    @Test
    void everyDurationOfAListMustBePositive() {
        Config config = ConfigFactory.parseString("a.good = [1ms, 2s]\n a.bad = [1ms, 0s]");
        assertThat(ConfigValues.positiveDurations(config, "a.good")).containsExactly(Duration.ofMillis(1),
                Duration.ofSeconds(2));
        assertThatThrownBy(() -> ConfigValues.positiveDurations(config, "a.bad"))
                .hasMessage("a.bad = " + List.of("1ms", "0s") + " is out of range: each of its durations must be"
                        + " positive, at most 106751d");
    }
}
