package io.riverlog.api.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * The broker's metrics over HTTP: {@code GET /metrics}, every meter in Prometheus' text format, and
 * {@code GET /v1/stats}, the traffic totals as JSON, which the console polls to draw its throughput
 * chart (rates are the differences between two polls).
 */
public final class MetricsRoute {
    /** The Prometheus text exposition format. */
    static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

    /** What GET /v1/stats answers. */
    public record Stats(long timestampMs, long recordsIn, long bytesIn, long recordsOut, long bytesOut,
                        int kafkaConnections) {
    }

    private MetricsRoute() {
    }

    public static Route create(BrokerMetrics metrics, Clock clock) {
        return get(() -> concat(
                path("metrics", () -> completeWithFuture(metrics.scrape().thenApply(text ->
                        HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS_TEXT,
                                ByteString.fromString(text, StandardCharsets.UTF_8)))))),
                path(segment("v1").slash("stats"), () -> completeOK(stats(metrics, clock), Jackson.marshaller()))));
    }

    private static Stats stats(BrokerMetrics metrics, Clock clock) {
        BrokerMetrics.Traffic traffic = metrics.traffic();
        return new Stats(clock.millis(), traffic.recordsIn(), traffic.bytesIn(), traffic.recordsOut(),
                traffic.bytesOut(), traffic.kafkaConnections());
    }
}
