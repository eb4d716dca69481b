package io.riverlog.actors.groups.consumer;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.actors.groups.consumer.assign.Assignors;
import io.riverlog.settings.ConfigValues;

/**
 * Settings of consumer groups that use the consumer group protocol (KIP-848), from
 * {@code riverlog.groups.consumer} in this module's reference.conf, where each is explained.
 *
 * @param heartbeatInterval how often members are told to heartbeat
 * @param sessionTimeout    how long a member may stay silent before it is removed
 * @param assignors         the server-side assignors offered; the first is the default
 */
public record ConsumerGroupSettings(Duration heartbeatInterval, Duration sessionTimeout, Assignors assignors) {

    public ConsumerGroupSettings {
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("riverlog.groups.consumer.heartbeat-interval must be positive");
        }
        if (sessionTimeout.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("riverlog.groups.consumer.session-timeout " + sessionTimeout
                    + " must be longer than heartbeat-interval " + heartbeatInterval);
        }
    }

    public static ConsumerGroupSettings fromConfig(Config config) {
        String consumer = "riverlog.groups.consumer.";
        // Members are told the heartbeat interval in int32 milliseconds.
        return new ConsumerGroupSettings(
                ConfigValues.duration(config, consumer + "heartbeat-interval", Duration.ofMillis(1),
                        ConfigValues.MAX_INT_MILLIS),
                ConfigValues.timerDuration(config, consumer + "session-timeout"),
                Assignors.of(config.getStringList(consumer + "assignors")));
    }

    int heartbeatIntervalMs() {
        return Math.toIntExact(heartbeatInterval.toMillis());
    }
}
