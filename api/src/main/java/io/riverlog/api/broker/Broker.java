package io.riverlog.api.broker;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

import com.typesafe.config.Config;

import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.metrics.BrokerMetrics;
import io.riverlog.wal.Storage;

/** A running broker: its actor system, registry and listener addresses. Start it, then stop it. */
public final class Broker {
    private final ActorSystem<Void> system;
    private final BrokerGuardian.Started started;
    private final BrokerMetrics metrics;

    private Broker(ActorSystem<Void> system, BrokerGuardian.Started started, BrokerMetrics metrics) {
        this.system = system;
        this.started = started;
        this.metrics = metrics;
    }

    /**
     * Starts a broker on {@code config} (settings over {@link BrokerConfig#defaults()}); completes once it
     * accepts Kafka and HTTP connections.
     *
     * @throws com.typesafe.config.ConfigException at once, before anything starts, if a setting is
     *                                             missing, of the wrong type or out of range
     */
    public static CompletionStage<Broker> start(Config config) {
        return start(config, Storage.LOCAL);
    }

    public static CompletionStage<Broker> start(Config config, Storage storage) {
        BrokerSettings settings = BrokerSettings.fromConfig(config);
        BrokerMetrics metrics = new BrokerMetrics(settings.metrics());
        return start(config, settings, storage, metrics, metrics);
    }

    /** As {@link #start(Config, Storage)}, but partitions report to {@code partitionMetrics} instead. */
    public static CompletionStage<Broker> start(Config config, Storage storage,
                                                PartitionMetrics partitionMetrics) {
        BrokerSettings settings = BrokerSettings.fromConfig(config);
        return start(config, settings, storage, new BrokerMetrics(settings.metrics()), partitionMetrics);
    }

    private static CompletionStage<Broker> start(Config config, BrokerSettings settings, Storage storage,
                                                 BrokerMetrics metrics, PartitionMetrics partitionMetrics) {
        CompletableFuture<BrokerGuardian.Started> started = new CompletableFuture<>();
        ActorSystem<Void> system = ActorSystem.create(
                BrokerGuardian.create(settings, storage, metrics, partitionMetrics, started), "riverlog", config);
        system.getWhenTerminated().thenRun(metrics::close);
        return started.thenApply(s -> new Broker(system, s, metrics));
    }

    public InetSocketAddress kafkaAddress() {
        return started.kafkaAddress();
    }

    /** Where the HTTP API listens. */
    public InetSocketAddress httpAddress() {
        return started.httpAddress();
    }

    /** {@code http://host:port} of the HTTP API. */
    public String httpUrl() {
        return "http://" + httpAddress().getHostString() + ":" + httpAddress().getPort();
    }

    /** {@code host:port} for Kafka clients' bootstrap.servers. */
    public String bootstrapServers() {
        return kafkaAddress().getHostString() + ":" + kafkaAddress().getPort();
    }

    /** Kafka protocol connections open right now. */
    public int openKafkaConnections() {
        return metrics.traffic().kafkaConnections();
    }

    public ActorRef<TopicRegistry.Command> registry() {
        return started.registry();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    /** Graceful stop: the listeners close, every partition writes, fsyncs and closes its log. */
    public CompletionStage<Done> stop() {
        return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    }
}
