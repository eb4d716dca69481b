package io.riverlog.api.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import io.riverlog.actors.ask.DirectAsk;
import io.riverlog.actors.cluster.GroupLeaders;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.ReplicaEntry;
import io.riverlog.actors.replica.ReplicatedAppends;
import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.ValidBatches;

/**
 * The topic registry as the Kafka handlers, the HTTP API and the metrics ask it: asks with a timeout,
 * and a cache of partition actor references so that a produce or fetch does not ask the registry
 * every time. A cached reference that fails (its topic was deleted, or re-created) is dropped and
 * looked up once more.
 */
public final class BrokerTopics {
    private final ActorRef<TopicRegistry.Command> registry;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Map<PartitionId, ActorRef<PartitionActor.Command>> partitions = new ConcurrentHashMap<>();
    private final PublishedTopics published;
    private final ClusterView cluster;
    /** Built from the last published list seen; rebuilt when the registry publishes another. */
    private volatile KnownTopics known;

    /** A view that asks the registry for its topics every time. */
    public BrokerTopics(ActorRef<TopicRegistry.Command> registry, Scheduler scheduler, Duration timeout) {
        this(registry, new PublishedTopics(), scheduler, timeout);
    }

    /** A view of a single node's registry that reads the topics it publishes. */
    public BrokerTopics(ActorRef<TopicRegistry.Command> registry, PublishedTopics published, Scheduler scheduler,
                        Duration timeout) {
        this(registry, published, ClusterView.single(0), scheduler, timeout);
    }

    /**
     * A view that reads the topics the registry publishes, asking only while it has published none,
     * of a node of {@code cluster}.
     */
    public BrokerTopics(ActorRef<TopicRegistry.Command> registry, PublishedTopics published, ClusterView cluster,
                        Scheduler scheduler, Duration timeout) {
        this.registry = registry;
        this.published = published;
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    public ClusterView cluster() {
        return cluster;
    }

    /**
     * True if the partition exists and another node leads it, as far as the published topics say;
     * false on a single node, and while the registry has published nothing.
     */
    public boolean ledElsewhere(PartitionId id) {
        return leaderElsewhere(id).isPresent();
    }

    /** The node that leads the partition, if the partition exists and that node is another one. */
    public OptionalInt leaderElsewhere(PartitionId id) {
        if (!cluster.isCluster()) {
            return OptionalInt.empty();
        }
        Optional<TopicInfo> topic = publishedKnown().flatMap(known -> known.byName(id.topic()))
                .filter(found -> KnownTopics.hasPartition(found, id.partition()));
        if (topic.isEmpty() || !cluster.ledElsewhere(topic.get(), id.partition())) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(cluster.leaderOf(topic.get(), id.partition()));
    }

    /**
     * The partition's current leader epoch as this node knows it: {@link BatchFormat#LEADER_EPOCH} on a
     * single node, its group's Raft term in a cluster ({@link GroupLeaders#NO_EPOCH} if this node does
     * not know the partition or its group's term).
     */
    public int leaderEpoch(PartitionId id) {
        if (!cluster.isCluster()) {
            return BatchFormat.LEADER_EPOCH;
        }
        return publishedKnown().flatMap(known -> known.byName(id.topic()))
                .filter(found -> KnownTopics.hasPartition(found, id.partition()))
                .map(topic -> cluster.leaderEpochOf(topic, id.partition())).orElse(GroupLeaders.NO_EPOCH);
    }

    /**
     * Appends {@code batches} to the partition: on a single node its actor appends them; in a cluster
     * they go to the partition's group and the answer is the leader's replica's, once a majority has
     * them. {@code actor} is this node's replica of the partition.
     */
    public CompletionStage<PartitionActor.AppendReply> append(PartitionId id, ActorRef<PartitionActor.Command> actor,
                                                              ValidBatches batches, Duration timeout) {
        return appendAll(List.of(new Append(id, actor, batches)), timeout).get(0);
    }

    /** One append of a produce request: the partition, this node's replica of it, and the batches. */
    public record Append(PartitionId id, ActorRef<PartitionActor.Command> actor, ValidBatches batches) {
    }

    /**
     * Appends each of {@code appends} as {@link #append} does, and returns their answers in the same
     * order; in a cluster the appends to partitions of one group go to it as one entry
     * ({@link ReplicatedAppends#appendAll}).
     */
    public List<CompletableFuture<PartitionActor.AppendReply>> appendAll(List<Append> appends, Duration timeout) {
        List<CompletableFuture<PartitionActor.AppendReply>> answers = new ArrayList<>(
                java.util.Collections.nCopies(appends.size(), null));
        Map<Integer, List<Integer>> byGroup = new java.util.TreeMap<>();
        Map<Integer, List<ReplicaEntry.Part>> parts = new java.util.TreeMap<>();
        for (int i = 0; i < appends.size(); i++) {
            Append append = appends.get(i);
            Optional<TopicInfo> topic = cluster.appends().isEmpty() ? Optional.empty()
                    : publishedKnown().flatMap(known -> known.byName(append.id().topic()));
            if (topic.isEmpty()) {
                // A single node, or a topic this node does not know yet: its actor answers.
                answers.set(i, DirectAsk.<PartitionActor.Command, PartitionActor.AppendReply>ask(append.actor(),
                        replyTo -> new PartitionActor.Append(append.batches(), replyTo), timeout, scheduler)
                        .toCompletableFuture());
                continue;
            }
            int group = cluster.placement().groupOf(topic.get().topicId(), append.id().partition());
            byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(i);
            parts.computeIfAbsent(group, g -> new ArrayList<>()).add(new ReplicaEntry.Part(append.id(),
                    topic.get().topicId(), append.batches()));
        }
        byGroup.forEach((group, indexes) -> {
            List<CompletableFuture<PartitionActor.AppendReply>> replies = cluster.appends().orElseThrow()
                    .appendAll(group, parts.get(group));
            for (int k = 0; k < indexes.size(); k++) {
                answers.set(indexes.get(k), replies.get(k));
            }
        });
        return answers;
    }

    public Duration timeout() {
        return timeout;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public CompletionStage<List<TopicInfo>> list() {
        Optional<List<TopicInfo>> current = published.current();
        if (current.isPresent()) {
            return CompletableFuture.completedFuture(current.get());
        }
        return AskPattern.ask(registry, TopicRegistry.ListTopics::new, timeout, scheduler)
                .thenApply(TopicRegistry.Topics::topics);
    }

    /** The topics by name and by id. */
    CompletionStage<KnownTopics> known() {
        return publishedKnown().map(CompletableFuture::completedFuture)
                .orElseGet(() -> list().thenApply(KnownTopics::new).toCompletableFuture());
    }

    /** The published topics by name and by id, rebuilt once each time the registry publishes; empty before. */
    private Optional<KnownTopics> publishedKnown() {
        Optional<List<TopicInfo>> current = published.current();
        if (current.isEmpty()) {
            return Optional.empty();
        }
        KnownTopics cached = known;
        if (cached == null || cached.all() != current.get()) {
            cached = new KnownTopics(current.get());
            known = cached;
        }
        return Optional.of(cached);
    }

    public CompletionStage<Optional<TopicInfo>> describe(String name) {
        return AskPattern.<TopicRegistry.Command, TopicRegistry.TopicDescription>ask(registry,
                replyTo -> new TopicRegistry.DescribeTopic(name, replyTo), timeout, scheduler)
                .thenApply(TopicRegistry.TopicDescription::topic);
    }

    public CompletionStage<TopicRegistry.ChangeReply> create(String name, int partitionCount,
                                                                  Map<String, String> configs) {
        return create(name, partitionCount, configs, java.util.OptionalInt.empty());
    }

    /** As {@link #create(String, int, Map)}, partition 0 in partition group {@code firstGroup} if given. */
    public CompletionStage<TopicRegistry.ChangeReply> create(String name, int partitionCount,
                                                                  Map<String, String> configs,
                                                                  java.util.OptionalInt firstGroup) {
        return AskPattern.ask(registry, replyTo -> new TopicRegistry.CreateTopic(name, partitionCount, configs,
                firstGroup, replyTo), timeout, scheduler);
    }

    public CompletionStage<TopicRegistry.ChangeReply> delete(String name) {
        return AskPattern.<TopicRegistry.Command, TopicRegistry.ChangeReply>ask(registry,
                replyTo -> new TopicRegistry.DeleteTopic(name, replyTo), timeout, scheduler)
                .whenComplete((reply, error) -> forget(name));
    }

    public CompletionStage<TopicRegistry.ChangeReply> createPartitions(String name, int totalCount) {
        return AskPattern.ask(registry,
                replyTo -> new TopicRegistry.CreatePartitions(name, totalCount, replyTo), timeout, scheduler);
    }

    public CompletionStage<TopicRegistry.ChangeReply> alterConfigs(String name,
                                                                        Map<String, Optional<String>> changes) {
        return AskPattern.ask(registry,
                replyTo -> new TopicRegistry.AlterConfigs(name, changes, replyTo), timeout, scheduler);
    }

    /**
     * Moves partition groups to other nodes ({@link TopicRegistry.MoveGroups}): answered once the moves
     * are recorded in the metadata group, which carries them out afterwards.
     */
    public CompletionStage<TopicRegistry.MovesReply> moveGroups(Map<Integer, List<Integer>> targets) {
        return AskPattern.ask(registry, replyTo -> new TopicRegistry.MoveGroups(targets, replyTo), timeout, scheduler);
    }

    /** Reserves the next block of producer ids (see {@link ReservedProducerIds}, which hands them out). */
    public CompletionStage<TopicRegistry.ProducerIdsReply> reserveProducerIds() {
        return AskPattern.ask(registry, TopicRegistry.ReserveProducerIds::new, timeout, scheduler);
    }

    /** The partition's actor, or empty if the topic or partition does not exist. */
    public CompletionStage<Optional<ActorRef<PartitionActor.Command>>> partition(PartitionId id) {
        ActorRef<PartitionActor.Command> cached = partitions.get(id);
        if (cached != null) {
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        return AskPattern.<TopicRegistry.Command, TopicRegistry.PartitionRef>ask(registry,
                replyTo -> new TopicRegistry.GetPartition(id, replyTo), timeout, scheduler)
                .thenApply(ref -> {
                    ref.partition().ifPresent(actor -> partitions.put(id, actor));
                    return ref.partition();
                });
    }

    /**
     * Asks the partition's actor; empty if the partition does not exist. A failure of a cached
     * reference drops it and asks once more through a fresh look-up.
     */
    public <T> CompletionStage<Optional<T>> askPartition(PartitionId id,
                                                        Function<ActorRef<T>, PartitionActor.Command> message,
                                                        Duration askTimeout) {
        return askOnce(id, message, askTimeout).exceptionallyCompose(error -> {
            partitions.remove(id);
            return askOnce(id, message, askTimeout);
        });
    }

    private <T> CompletionStage<Optional<T>> askOnce(PartitionId id,
                                                     Function<ActorRef<T>, PartitionActor.Command> message,
                                                     Duration askTimeout) {
        return partition(id).thenCompose(actor -> actor.isEmpty()
                ? CompletableFuture.completedFuture(Optional.<T>empty())
                : DirectAsk.<PartitionActor.Command, T>ask(actor.get(), message::apply, askTimeout, scheduler)
                        .thenApply(Optional::of));
    }

    /** Drops the cached reference to one partition (it failed to answer: stopped, or re-created). */
    public void forget(PartitionId id) {
        partitions.remove(id);
    }

    /** Drops cached references to a topic's partitions (after it was deleted). */
    public void forget(String topic) {
        partitions.keySet().removeIf(id -> id.topic().equals(topic));
    }
}
