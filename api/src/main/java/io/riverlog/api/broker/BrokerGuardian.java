package io.riverlog.api.broker;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import com.typesafe.config.Config;

import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.GroupSettings;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.BrokerGroups;
import io.riverlog.api.kafka.BrokerTopics;
import io.riverlog.api.kafka.KafkaApis;
import io.riverlog.api.kafka.KafkaServer;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.metrics.BrokerMetrics;
import io.riverlog.wal.ChannelFactory;

/**
 * The root actor of a broker: starts the topic registry (which opens and recovers every partition),
 * the group manager (which replays the committed offsets) and the Kafka listener, and owns
 * shutdown. On shutdown the listener stops accepting first, then the registry stops every
 * partition, which writes and fsyncs what it accepted and closes its log cleanly, and the group
 * manager writes the commits it accepted and closes the offsets log; only then does the actor
 * system end.
 */
public final class BrokerGuardian {

    /** What a started broker exposes. */
    public record Started(ActorRef<TopicRegistry.Command> registry, InetSocketAddress kafkaAddress) {
    }

    private BrokerGuardian() {
    }

    public static Behavior<Void> create(Config config, ChannelFactory channels, BrokerMetrics metrics,
                                        PartitionMetrics partitionMetrics, CompletableFuture<Started> started) {
        return Behaviors.setup(context -> {
            var system = context.getSystem();
            Duration shutdownTimeout = config.getDuration("riverlog.shutdown-timeout");
            ActorRef<TopicRegistry.Command> registry = context.spawn(
                    TopicRegistry.create(RegistrySettings.fromConfig(config), channels, partitionMetrics), "topics");
            ActorRef<GroupManager.Command> groupManager = context.spawn(
                    GroupManager.create(GroupSettings.fromConfig(config), channels), "groups");
            KafkaSettings kafkaSettings = KafkaSettings.fromConfig(config);
            BrokerTopics topics = new BrokerTopics(registry, system.scheduler(), kafkaSettings.requestTimeout());
            BrokerGroups groups = new BrokerGroups(groupManager, system.scheduler(), kafkaSettings.requestTimeout());
            metrics.watch(topics, groups);
            KafkaApis apis = KafkaApis.create(topics, groups, kafkaSettings, PartitionSettings.fromConfig(config),
                    Clock.systemUTC());

            CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-partitions",
                    () -> AskPattern.<TopicRegistry.Command, Done>ask(registry, TopicRegistry.Shutdown::new,
                            shutdownTimeout, system.scheduler()));
            shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-groups",
                    () -> AskPattern.<GroupManager.Command, Done>ask(groupManager, GroupManager.Shutdown::new,
                            shutdownTimeout, system.scheduler()));

            KafkaServer.bind(system, kafkaSettings, apis, metrics).whenComplete((binding, error) -> {
                if (error != null) {
                    started.completeExceptionally(error);
                    system.terminate();
                    return;
                }
                shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-kafka",
                        () -> binding.unbind().thenApply(unbound -> Done.getInstance()));
                started.complete(new Started(registry, binding.localAddress()));
            });
            return Behaviors.empty();
        });
    }

}
