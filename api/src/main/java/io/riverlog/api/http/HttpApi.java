package io.riverlog.api.http;

import java.time.Clock;
import java.util.List;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Route;

import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;
import io.riverlog.streams.SourceOptions;

/**
 * The broker's own HTTP endpoints under {@code /v1}: health and readiness, topics, producing
 * records, and reading them as Server-Sent Events, NDJSON or over a WebSocket. {@link #routes()}
 * are the route groups to hand to {@link HttpRoutes#of}, with any others.
 */
public final class HttpApi {
    private final Readiness readiness;
    private final List<Route> routes;

    private HttpApi(Readiness readiness, List<Route> routes) {
        this.readiness = readiness;
        this.routes = routes;
    }

    /** The HTTP API; its streams read with {@code streams} and count the records they hand out in {@code metrics}. */
    public static HttpApi create(ActorRef<TopicRegistry.Command> registry, HttpSettings settings,
                                 SourceOptions streams, ActorSystem<?> system, StreamMetrics metrics) {
        return create(registry, new PublishedTopics(), ClusterView.single(0), settings, streams, system, metrics);
    }

    /**
     * The HTTP API of one node of {@code cluster}: a request about a partition another node leads is
     * served through that node ({@link LeaderForwarding}).
     */
    public static HttpApi create(ActorRef<TopicRegistry.Command> registry, PublishedTopics published,
                                 ClusterView cluster, HttpSettings settings, SourceOptions streams,
                                 ActorSystem<?> system, StreamMetrics metrics) {
        BrokerTopics topics = new BrokerTopics(registry, published, cluster, system.scheduler(),
                settings.requestTimeout());
        LeaderForwarding forwarding = new LeaderForwarding(topics, system, settings.leaderWait());
        Readiness readiness =
                new Readiness(new BrokerTopics(registry, system.scheduler(), settings.readyCheckTimeout()));
        Partitions partitions = new Partitions(topics);
        RecordSources sources = new RecordSources(partitions, streams, system, metrics);
        return new HttpApi(readiness, List.of(
                new HealthRoutes(readiness).route(),
                new TopicRoutes(partitions, settings).route(),
                new RecordRoutes(partitions, forwarding, settings, Clock.systemUTC(), system).route(),
                new StreamRoutes(sources, forwarding, settings).route(),
                new WebSocketRoute(sources, forwarding, system).route()));
    }

    /** The route groups of the broker's own endpoints, in the order they are tried. */
    public List<Route> routes() {
        return routes;
    }

    /** Every listener is bound: readiness now depends only on recovery. */
    public void listening() {
        readiness.listening();
    }

    /** The broker is stopping: {@code /v1/ready} answers 503 from now on. */
    public void stopping() {
        readiness.stopping();
    }
}
