package io.riverlog.api.metrics;

import java.time.Duration;

import com.typesafe.config.Config;

/**
 * Settings of the broker's metrics, from {@code riverlog.metrics} in application.conf.
 *
 * @param latencyHistogramMin the smallest latency the fsync and request histograms tell apart
 * @param latencyHistogramMax the largest; slower ones fall into the last bucket
 * @param groupLagTimeout     how long a scrape waits for committed offsets and high watermarks
 */
public record MetricsSettings(Duration latencyHistogramMin, Duration latencyHistogramMax, Duration groupLagTimeout) {

    public static MetricsSettings fromConfig(Config config) {
        Config metrics = config.getConfig("riverlog.metrics");
        return new MetricsSettings(
                metrics.getDuration("latency-histogram-min"),
                metrics.getDuration("latency-histogram-max"),
                metrics.getDuration("group-lag-timeout"));
    }
}
