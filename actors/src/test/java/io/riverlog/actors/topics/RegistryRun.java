package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.GroupHosting;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.Storage;
import io.riverlog.wal.ValidBatches;

/**
 * One run of a {@link TopicRegistry} on a data directory, with the asks a test needs. A run either
 * owns its ActorTestKit (to stop the whole system, as a broker restart does) or borrows a shared one.
 */
final class RegistryRun {
    /** Room for a test batch of a few short values; the builder grows it if needed. */
    private static final int BATCH_BUFFER_BYTES = 1024;

    final ActorTestKit kit;
    final ActorRef<TopicRegistry.Command> registry;
    final RegistrySettings settings;
    /** What the registry publishes for readers that do not ask it. */
    final PublishedTopics published;
    private final boolean ownsKit;
    private boolean stopped;

    private RegistryRun(ActorTestKit kit, boolean ownsKit, RegistrySettings settings,
                        ActorRef<TopicRegistry.Command> registry, PublishedTopics published) {
        this.kit = kit;
        this.published = published;
        this.ownsKit = ownsKit;
        this.settings = settings;
        this.registry = registry;
    }

    static Config config(Path dataDir) {
        return ConfigFactory.parseMap(Map.of("riverlog.data-dir", dataDir.toString()))
                .withFallback(ConfigFactory.load());
    }

    /** A new actor system (as a broker process) and a registry on {@code dataDir}. */
    static RegistryRun startSystem(Path dataDir) {
        return startSystem(dataDir, Clock.systemUTC());
    }

    /** As {@link #startSystem(Path)}, the registry on {@code clock}. */
    static RegistryRun startSystem(Path dataDir, Clock clock) {
        return start(ActorTestKit.create(config(dataDir)), true, dataDir, TopicTable::randomKafkaId, Storage.LOCAL,
                clock);
    }

    /** A registry on {@code dataDir} in a shared actor system. */
    static RegistryRun start(ActorTestKit kit, Path dataDir) {
        return start(kit, false, dataDir, TopicTable::randomKafkaId);
    }

    static RegistryRun start(ActorTestKit kit, Path dataDir, Supplier<UUID> topicIds) {
        return start(kit, false, dataDir, topicIds, Storage.LOCAL, Clock.systemUTC());
    }

    static RegistryRun start(ActorTestKit kit, Path dataDir, Storage storage) {
        return start(kit, false, dataDir, TopicTable::randomKafkaId, storage, Clock.systemUTC());
    }

    /** A registry of one node of a cluster, on {@code dataDir}, whose metadata group is {@code journal}. */
    static RegistryRun startReplicated(ActorTestKit kit, Path dataDir, Placement placement,
                                       CompletionStage<ReplicatedJournal> journal) {
        return startReplicated(kit, dataDir, placement, journal, new InMemoryGroupHosting(placement));
    }

    /** As the other, with partition groups hosted, joined and left through {@code hosting}. */
    static RegistryRun startReplicated(ActorTestKit kit, Path dataDir, Placement placement,
                                       CompletionStage<ReplicatedJournal> journal, GroupHosting hosting) {
        RegistrySettings settings = RegistrySettings.fromConfig(config(dataDir));
        PublishedTopics published = new PublishedTopics();
        ActorRef<TopicRegistry.Command> registry = kit.spawn(TopicRegistry.createReplicated(settings, Storage.LOCAL,
                PartitionMetrics.NONE, published, placement,
                new ReplicaApplier(kit.scheduler(), Duration.ofSeconds(5), Storage.LOCAL), journal,
                Duration.ofMillis(200), hosting, Duration.ofMillis(50)));
        return new RegistryRun(kit, false, settings, registry, published);
    }

    private static RegistryRun start(ActorTestKit kit, boolean ownsKit, Path dataDir, Supplier<UUID> topicIds) {
        return start(kit, ownsKit, dataDir, topicIds, Storage.LOCAL, Clock.systemUTC());
    }

    private static RegistryRun start(ActorTestKit kit, boolean ownsKit, Path dataDir, Supplier<UUID> topicIds,
                                     Storage storage, Clock clock) {
        RegistrySettings settings = RegistrySettings.fromConfig(config(dataDir));
        PublishedTopics published = new PublishedTopics();
        ActorRef<TopicRegistry.Command> registry = kit.spawn(TopicRegistry.create(settings, storage,
                PartitionMetrics.NONE, clock, topicIds, published));
        return new RegistryRun(kit, ownsKit, settings, registry, published);
    }

    // ---------------------------------------------------------------- registry asks

    TopicRegistry.ChangeReply tryCreate(String name, int partitions, Map<String, String> configs) {
        TestProbe<TopicRegistry.ChangeReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.CreateTopic(name, partitions, configs, probe.getRef()));
        return probe.receiveMessage();
    }

    TopicInfo create(String name, int partitions, Map<String, String> configs) {
        TopicRegistry.ChangeReply reply = tryCreate(name, partitions, configs);
        assertThat(reply).isInstanceOf(TopicRegistry.Changed.class);
        return ((TopicRegistry.Changed) reply).topic();
    }

    TopicInfo create(String name, int partitions) {
        return create(name, partitions, Map.of());
    }

    TopicRegistry.ChangeReply delete(String name) {
        TestProbe<TopicRegistry.ChangeReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.DeleteTopic(name, probe.getRef()));
        return probe.receiveMessage();
    }

    TopicRegistry.MovesReply moveGroups(Map<Integer, List<Integer>> targets) {
        TestProbe<TopicRegistry.MovesReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.MoveGroups(targets, probe.getRef()));
        return probe.receiveMessage();
    }

    TopicRegistry.ChangeReply createPartitions(String name, int newTotal) {
        TestProbe<TopicRegistry.ChangeReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.CreatePartitions(name, newTotal, probe.getRef()));
        return probe.receiveMessage();
    }

    TopicRegistry.ChangeReply alterConfigs(String name, Map<String, Optional<String>> changes) {
        TestProbe<TopicRegistry.ChangeReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.AlterConfigs(name, changes, probe.getRef()));
        return probe.receiveMessage();
    }

    TopicRegistry.ProducerIdsReply reserveProducerIds() {
        TestProbe<TopicRegistry.ProducerIdsReply> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.ReserveProducerIds(probe.getRef()));
        return probe.receiveMessage();
    }

    TopicRegistry.ProducerIdBlock reserveProducerIdBlock() {
        TopicRegistry.ProducerIdsReply reply = reserveProducerIds();
        assertThat(reply).isInstanceOf(TopicRegistry.ProducerIdBlock.class);
        return (TopicRegistry.ProducerIdBlock) reply;
    }

    List<TopicInfo> list() {
        TestProbe<TopicRegistry.Topics> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.ListTopics(probe.getRef()));
        return probe.receiveMessage().topics();
    }

    Optional<TopicInfo> describe(String name) {
        TestProbe<TopicRegistry.TopicDescription> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.DescribeTopic(name, probe.getRef()));
        return probe.receiveMessage().topic();
    }

    Optional<ActorRef<PartitionActor.Command>> partition(String topic, int partition) {
        TestProbe<TopicRegistry.PartitionRef> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.GetPartition(new PartitionId(topic, partition), probe.getRef()));
        return probe.receiveMessage().partition();
    }

    /** Shuts the registry down (every partition closed cleanly), then the actor system if this run owns it. */
    void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        TestProbe<Done> probe = kit.createTestProbe();
        registry.tell(new TopicRegistry.Shutdown(probe.getRef()));
        probe.expectMessage(Done.getInstance());
        probe.expectTerminated(registry);
        if (ownsKit) {
            kit.shutdownTestKit();
        }
    }

    /**
     * Stops the actor system without asking the registry to shut down, as a crashed process: no log
     * is closed. Only for a run that owns its actor system.
     */
    void crash() {
        if (!ownsKit) {
            throw new IllegalStateException("this run shares its actor system");
        }
        stopped = true;
        kit.shutdownTestKit();
    }

    // ---------------------------------------------------------------- partition asks

    /** Appends one batch of the values and waits until it is committed. */
    PartitionActor.Appended append(String topic, int partition, String... values) {
        TestProbe<PartitionActor.AppendReply> probe = kit.createTestProbe();
        partition(topic, partition).orElseThrow().tell(new PartitionActor.Append(batchOf(values), probe.getRef()));
        return probe.expectMessageClass(PartitionActor.Appended.class);
    }

    /** Every committed value of the partition, in offset order. */
    List<String> values(String topic, int partition) {
        ActorRef<PartitionActor.Command> ref = partition(topic, partition).orElseThrow();
        TestProbe<PartitionActor.ReadReply> probe = kit.createTestProbe();
        List<String> values = new ArrayList<>();
        long offset = 0;
        while (true) {
            ref.tell(new PartitionActor.Read(offset, Integer.MAX_VALUE, Duration.ZERO, probe.getRef()));
            PartitionActor.Records records = probe.expectMessageClass(PartitionActor.Records.class);
            for (LogRecord record : BatchFormat.decode(records.batches(), offset)) {
                values.add(new String(record.value(), StandardCharsets.UTF_8));
            }
            if (records.isEmpty() || records.nextOffset() >= records.highWatermark()) {
                return values;
            }
            offset = records.nextOffset();
        }
    }

    static ValidBatches batchOf(String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(BATCH_BUFFER_BYTES),
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        long now = System.currentTimeMillis();
        for (String value : values) {
            builder.append(now, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return BatchFormat.validate(builder.build().buffer());
    }
}
