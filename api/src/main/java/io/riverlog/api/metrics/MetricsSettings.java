package io.riverlog.api.metrics;

import java.time.Duration;
import java.util.List;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Settings of the broker's metrics, from {@code riverlog.metrics} in api's reference.conf.
 *
 * @param latencyBuckets  upper bounds of the fsync and request latency histograms' buckets
 * @param groupLagTimeout how long a scrape waits for committed offsets and high watermarks
 */
public record MetricsSettings(List<Duration> latencyBuckets, Duration groupLagTimeout) {

    public MetricsSettings {
        latencyBuckets = List.copyOf(latencyBuckets);
    }

    public static MetricsSettings fromConfig(Config config) {
        String metrics = "riverlog.metrics.";
        return new MetricsSettings(
                ConfigValues.positiveDurations(config, metrics + "latency-buckets"),
                ConfigValues.timerDuration(config, metrics + "group-lag-timeout"));
    }
}
