package io.riverlog.actors.groups.consumer;

import java.time.Duration;

import com.typesafe.config.Config;

import io.riverlog.actors.groups.consumer.assign.Assignors;

/**
 * Settings of consumer groups that use the consumer group protocol (KIP-848), from
 * {@code riverlog.groups.consumer} in application.conf, where each is explained.
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
        Config consumer = config.getConfig("riverlog.groups.consumer");
        return new ConsumerGroupSettings(consumer.getDuration("heartbeat-interval"),
                consumer.getDuration("session-timeout"), Assignors.of(consumer.getStringList("assignors")));
    }

    int heartbeatIntervalMs() {
        return (int) heartbeatInterval.toMillis();
    }
}
