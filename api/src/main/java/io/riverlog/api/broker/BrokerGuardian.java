package io.riverlog.api.broker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.server.Route;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.topics.BlockingIo;
import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.console.ConsoleRoute;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.http.HttpApi;
import io.riverlog.api.http.HttpRoutes;
import io.riverlog.api.http.HttpServer;
import io.riverlog.api.http.HttpSettings;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.handlers.KafkaApis;
import io.riverlog.api.kafka.network.KafkaServer;
import io.riverlog.api.metrics.BrokerMetrics;
import io.riverlog.api.metrics.MetricsRoute;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.ClusterView;
import io.riverlog.api.topics.LogDirectory;
import io.riverlog.wal.Storage;

/**
 * The root actor of a broker: starts the topic registry (which opens and recovers every partition),
 * the group manager (which replays the committed offsets), the Kafka listener and the HTTP listener,
 * and owns shutdown. On shutdown the listeners stop accepting first (open HTTP streams are cut after
 * {@code riverlog.http.shutdown-deadline}), then the registry stops every
 * partition, which writes and fsyncs what it accepted and closes its log cleanly, and the group
 * manager writes the commits it accepted and closes the offsets log; only then does the actor
 * system end.
 */
public final class BrokerGuardian {

    /** What a started broker exposes. */
    public record Started(ActorRef<TopicRegistry.Command> registry, InetSocketAddress kafkaAddress,
                          InetSocketAddress httpAddress) {
    }

    private BrokerGuardian() {
    }

    public static Behavior<Void> create(BrokerSettings settings, Storage storage, BrokerMetrics metrics,
                                        PartitionMetrics partitionMetrics, CompletableFuture<Started> started) {
        return Behaviors.setup(context -> {
            context.setLoggerName(BrokerGuardian.class);
            var system = context.getSystem();
            Duration shutdownTimeout = settings.shutdownTimeout();
            PublishedTopics publishedTopics = new PublishedTopics();
            KafkaSettings kafkaSettings = settings.kafka();
            Optional<ClusterNode> cluster = settings.cluster().spec()
                    .map(spec -> new ClusterNode(spec, settings.cluster(), system.scheduler(), storage));
            ActorRef<TopicRegistry.Command> registry = context.spawn(cluster
                    .map(node -> node.registry(settings.topics(), storage, partitionMetrics, publishedTopics))
                    .orElseGet(() -> TopicRegistry.create(settings.topics(), storage, partitionMetrics,
                            publishedTopics)), "topics");
            // In a cluster the partition groups' logs also hold the committed offsets: the group manager
            // exists before the Raft server starts applying them.
            ActorRef<GroupManager.Command> groupManager = context.spawn(cluster
                    .map(node -> GroupManager.create(settings.groups(), settings.consumerGroups(), storage,
                            node.offsets()))
                    .orElseGet(() -> GroupManager.create(settings.groups(), settings.consumerGroups(), storage)),
                    "groups");
            CompletionStage<Void> raftStarted = cluster
                    .map(node -> node.start(registry, groupManager, settings.topics(), storage))
                    .orElse(CompletableFuture.completedFuture(null));
            cluster.ifPresent(node -> system.getWhenTerminated().thenRun(node::close));
            ClusterView clusterView = cluster.map(ClusterNode::view)
                    .orElseGet(() -> ClusterView.single(kafkaSettings.nodeId()));
            BrokerTopics topics = new BrokerTopics(registry, publishedTopics, clusterView, system.scheduler(),
                    kafkaSettings.requestTimeout());
            BrokerGroups groups = new BrokerGroups(groupManager, system.scheduler(), kafkaSettings.requestTimeout());
            metrics.watch(topics, groups);
            LogDirectory logDirectory = new LogDirectory(settings.topics().dataDir(),
                    system.dispatchers().lookup(DispatcherSelector.fromConfig(BlockingIo.DISPATCHER)));
            KafkaApis apis = KafkaApis.create(topics, groups, logDirectory, kafkaSettings,
                    settings.topics().partition(), Clock.systemUTC(), metrics);

            CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-partitions",
                    () -> AskPattern.<TopicRegistry.Command, Done>ask(registry, TopicRegistry.Shutdown::new,
                            shutdownTimeout, system.scheduler()));
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-groups",
                    () -> AskPattern.<GroupManager.Command, Done>ask(groupManager, GroupManager.Shutdown::new,
                            shutdownTimeout, system.scheduler()));

            HttpSettings httpSettings = settings.http();
            HttpApi httpApi = HttpApi.create(registry, publishedTopics, clusterView, httpSettings, settings.streams(),
                    system, metrics);
            List<Route> routeGroups = new ArrayList<>(httpApi.routes());
            routeGroups.add(MetricsRoute.create(metrics, Clock.systemUTC()));
            routeGroups.add(ConsoleRoute.create());
            cluster.ifPresent(node -> routeGroups.add(node.snapshotRoutes(publishedTopics, settings.topics(),
                    groupManager, storage, system.dispatchers().lookup(DispatcherSelector.fromConfig(
                            BlockingIo.DISPATCHER)))));
            Route httpRoutes = HttpRoutes.of(routeGroups);

            // The Kafka listener binds here, the HTTP listener asynchronously; the broker has started when
            // both accept connections.
            CompletionStage<InetSocketAddress> kafkaBound;
            try {
                KafkaServer.Binding kafka = KafkaServer.bind(system, kafkaSettings, apis, metrics);
                shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-kafka", () -> {
                    kafka.unbind();
                    return CompletableFuture.completedFuture(Done.getInstance());
                });
                kafkaBound = CompletableFuture.completedFuture(kafka.localAddress());
            } catch (IOException e) {
                kafkaBound = CompletableFuture.failedFuture(e);
            }
            CompletionStage<InetSocketAddress> httpBound = HttpServer.bind(system, httpSettings, httpRoutes)
                    .thenApply(http -> {
                        shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-http", () -> {
                            httpApi.stopping();
                            return http.unbind().thenApply(unbound -> Done.getInstance());
                        });
                        // Streams that follow a partition's tail never end by themselves: cut what is left.
                        shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "terminate-http",
                                () -> http.terminate(httpSettings.shutdownDeadline())
                                        .thenApply(t -> Done.getInstance()));
                        return http.localAddress();
                    });
            kafkaBound.thenCombine(httpBound, (kafka, http) -> new Started(registry, kafka, http))
                    .thenCombine(raftStarted, (ready, raft) -> ready)
                    .whenComplete((ready, error) -> {
                        if (error != null) {
                            started.completeExceptionally(error);
                            system.terminate();
                            return;
                        }
                        httpApi.listening();
                        cluster.ifPresent(node -> node.register(new NodeAddress(kafkaSettings.nodeId(),
                                kafkaSettings.advertisedHostOrBind(), ready.kafkaAddress().getPort(),
                                ready.httpAddress().getHostString(), ready.httpAddress().getPort())));
                        started.complete(ready);
                    });
            return Behaviors.empty();
        });
    }

}
