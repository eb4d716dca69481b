package io.riverlog.api.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.GroupHosting;
import io.riverlog.actors.cluster.GroupLeaders;
import io.riverlog.actors.cluster.GroupMembers;
import io.riverlog.actors.cluster.GroupStates;
import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.groups.offsets.OffsetsReplication;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.replica.ReplicaApplier;
import io.riverlog.actors.replica.ReplicaStateMachine;
import io.riverlog.actors.replica.ReplicatedAppends;
import io.riverlog.actors.topics.GroupStateReporter;
import io.riverlog.actors.topics.MetadataStateMachine;
import io.riverlog.actors.topics.NodeRegistration;
import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.cluster.GroupSnapshotInstaller;
import io.riverlog.api.cluster.GroupSnapshotRoutes;
import io.riverlog.api.topics.ClusterView;
import io.riverlog.raft.ClusterSettings;
import io.riverlog.raft.ClusterSpec;
import io.riverlog.raft.RaftNode;
import io.riverlog.wal.Storage;

/**
 * This broker's part in a cluster: it starts the node's Raft server (on a thread of its own, as
 * starting it blocks) with the metadata group applied by a {@link MetadataStateMachine} that feeds
 * the topic registry and the partition groups it is a member of, applied by this node's replicas
 * ({@link ReplicaApplier}) and, for the committed offsets the groups' logs also hold, by its group
 * manager; and registers the node's addresses in the group once its listeners are bound, trying again
 * every {@code join-retry-interval} until a majority commits it.
 */
final class ClusterNode {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final String RAFT_DIR = "raft";
    /** Copies of groups' state at once: more only compete for the same disk and network. */
    private static final int INSTALL_THREADS = 2;

    private final ClusterSpec spec;
    private final ClusterSettings settings;
    private final PublishedNodes nodes = new PublishedNodes();
    private final ClusterView view;
    private final CompletableFuture<ReplicatedJournal> journal = new CompletableFuture<>();
    /** Hands the partition groups' entries to this node's replicas. */
    private final ReplicaApplier replicas;
    private volatile RaftNode raft;
    private volatile boolean closed;
    /** Where partition groups' state is copied from other members (blocking HTTP and file IO). */
    private final java.util.concurrent.ExecutorService installs = java.util.concurrent.Executors.newFixedThreadPool(
            INSTALL_THREADS, runnable -> {
                Thread thread = new Thread(runnable, "riverlog-snapshot-install");
                thread.setDaemon(true);
                return thread;
            });

    ClusterNode(ClusterSpec spec, ClusterSettings settings, Scheduler scheduler, Storage storage) {
        this.spec = spec;
        this.settings = settings;
        this.replicas = new ReplicaApplier(scheduler, settings.requestTimeout(), storage);
        this.view = new ClusterView(new Placement(spec.asMembers(), settings.partitionGroups(), new GroupLeaders() {
            @Override
            public OptionalInt leaderOf(int group) {
                return ClusterNode.this.leaderOf(group);
            }

            @Override
            public int epochOf(int group) {
                return ClusterNode.this.epochOf(group);
            }

            @Override
            public java.util.Optional<java.util.Set<Integer>> inSyncOf(int group) {
                return ClusterNode.this.inSyncOf(group);
            }
        }, new GroupMembers()), nodes, new ReplicatedAppends(this::leaderJournal), this::transferLeadership);
    }

    /**
     * The groups this node is a member of, as its Raft server knows them; nothing of the others (and
     * nothing before the server started).
     */
    private final GroupLeaders ownGroups = new GroupLeaders() {
        @Override
        public OptionalInt leaderOf(int group) {
            RaftNode node = raft;
            return node != null && node.isMember(group) ? node.leaderOf(group) : OptionalInt.empty();
        }

        @Override
        public int epochOf(int group) {
            RaftNode node = raft;
            return node != null && node.isMember(group) ? node.termOf(group) : GroupLeaders.NO_EPOCH;
        }

        @Override
        public java.util.Optional<java.util.Set<Integer>> inSyncOf(int group) {
            RaftNode node = raft;
            return node != null && node.isMember(group) ? node.inSyncReplicas(group) : java.util.Optional.empty();
        }
    };

    private boolean isMember(int group) {
        RaftNode node = raft;
        return node != null && node.isMember(group);
    }

    /**
     * What this node knows of a partition group: where it is a member (or before its Raft server
     * started), what its own Raft server says ({@code own}); else what the group's leader last reported
     * through the metadata group ({@link GroupStateReporter}), empty before any report ({@code reported}).
     * A node outside the group (clusters of more than three) does not hear its elections.
     */
    private <T> T knownOf(int group, Function<GroupLeaders, T> own,
                          Function<java.util.Optional<GroupStates.GroupState>, T> reported) {
        return raft == null || isMember(group) ? own.apply(ownGroups)
                : reported.apply(view.placement().reported().of(group));
    }

    /** The group's members in sync; outside the group, as its leader last reported them (empty if never). */
    private java.util.Optional<java.util.Set<Integer>> inSyncOf(int group) {
        return knownOf(group, own -> own.inSyncOf(group),
                report -> report.map(state -> java.util.Set.copyOf(state.inSync())));
    }

    /**
     * The partition group's leader epoch (its Raft term). Outside the group, the term that the leader
     * named by {@link #leaderOf} reported with it (the two come from one report, so a client that knows
     * a newer leader sees an older epoch and keeps its own); {@link GroupLeaders#NO_EPOCH} before any report.
     */
    private int epochOf(int group) {
        return knownOf(group, own -> own.epochOf(group),
                report -> report.map(state -> (int) state.term()).orElse(GroupLeaders.NO_EPOCH));
    }

    /**
     * The leader of a partition group. Outside the group, the leader that last reported the group's
     * state, or before any report the group's preferred leader; if another node leads, that one answers
     * NOT_LEADER_OR_FOLLOWER naming the real leader. It never names itself (a member whose division is
     * still starting does not lead it): clients wait for a leader.
     */
    private OptionalInt leaderOf(int group) {
        return knownOf(group, own -> own.leaderOf(group), report -> {
            int named = report.map(GroupStates.GroupState::leader)
                    .orElse(view.placement().replicasOfGroup(group).get(0));
            return named == spec.self() ? OptionalInt.empty() : OptionalInt.of(named);
        });
    }

    private CompletionStage<Void> transferLeadership(int group, int nodeId, Duration timeout) {
        RaftNode node = raft;
        return node != null ? node.transferLeadership(group, nodeId, timeout) : CompletableFuture.failedFuture(
                new IllegalStateException("the Raft server of this node has not started yet"));
    }

    /**
     * The committed offsets as this node replicates them: in the log of the partition group each
     * consumer group's id hashes to, whose leader coordinates it.
     */
    OffsetsReplication offsets() {
        return new OffsetsReplication() {
            @Override
            public int shardOf(String groupId) {
                return view.placement().shardOf(groupId);
            }

            @Override
            public OptionalInt leadingTerm(int shard) {
                RaftNode node = raft;
                return node == null || !node.isMember(shard) ? OptionalInt.empty() : node.leadingTerm(shard);
            }

            @Override
            public CompletionStage<?> submit(int shard, byte[] entry) {
                return dataJournal(shard).submit(entry);
            }
        };
    }

    /** The partition groups this node's Raft server hosts, joined and left as groups move. */
    private GroupHosting hosting() {
        return new GroupHosting() {
            @Override
            public java.util.Set<Integer> hosted() {
                RaftNode node = raft;
                return node == null ? java.util.Set.of() : node.dataGroups();
            }

            @Override
            public CompletionStage<Void> join(int group, java.util.List<Integer> members) {
                return started().thenCompose(node -> node.joinGroup(group, members));
            }

            @Override
            public CompletionStage<Void> leave(int group) {
                return started().thenCompose(node -> node.leaveGroup(group));
            }

            @Override
            public boolean leads(int group) {
                RaftNode node = raft;
                return node != null && node.isMember(group) && node.leadingTerm(group).isPresent();
            }

            @Override
            public CompletionStage<Void> reconfigure(int group, java.util.List<Integer> members) {
                return started().thenCompose(node -> node.reconfigure(group, members));
            }
        };
    }

    private CompletionStage<RaftNode> started() {
        RaftNode node = raft;
        return node != null ? CompletableFuture.completedFuture(node) : CompletableFuture.failedFuture(
                new IllegalStateException("the Raft server of this node has not started yet"));
    }

    private ReplicatedJournal leaderJournal(int group) {
        return journalOf(node -> node.leaderJournal(group));
    }

    private ReplicatedJournal dataJournal(int group) {
        return journalOf(node -> node.dataJournal(group));
    }

    /** A journal of this node's Raft server; until the server started, every entry fails. */
    private ReplicatedJournal journalOf(java.util.function.Function<RaftNode, ReplicatedJournal> journal) {
        RaftNode node = raft;
        return node != null ? journal.apply(node) : entry -> CompletableFuture.failedFuture(
                new IllegalStateException("the Raft server of this node has not started yet"));
    }

    ClusterView view() {
        return view;
    }

    /** The registry of this node of the cluster; it waits for {@link #start}. */
    Behavior<TopicRegistry.Command> registry(RegistrySettings registrySettings, Storage storage,
                                             PartitionMetrics metrics, PublishedTopics published) {
        return TopicRegistry.createReplicated(registrySettings, storage, metrics, published, view.placement(),
                replicas, journal, settings.joinRetryInterval(), hosting(), settings.moveCheckInterval());
    }

    /**
     * What this node serves the other members over HTTP: its snapshots of the partition groups, for a
     * member that needs entries a group's leader purged.
     */
    Route snapshotRoutes(PublishedTopics published, RegistrySettings topics, ActorRef<GroupManager.Command> groups,
                         Storage storage, java.util.concurrent.Executor blockingIo) {
        return new GroupSnapshotRoutes(group -> {
            RaftNode node = raft;
            return node == null ? java.util.Optional.empty() : node.latestSnapshot(group);
        }, view.placement(), published, topics::partitionDir, storage, groups, blockingIo).route();
    }

    /** Starts the Raft server under the data directory; completes once it runs (not once a leader is elected). */
    CompletionStage<Void> start(ActorRef<TopicRegistry.Command> registry, ActorRef<GroupManager.Command> groups,
                                RegistrySettings topics, Storage storage) {
        Path dataDir = topics.dataDir();
        GroupSnapshotInstaller installer = new GroupSnapshotInstaller(nodes, registry, groups, topics::partitionDir,
                storage, installs, settings.requestTimeout());
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                RaftNode node = RaftNode.start(spec, settings, dataDir.resolve(RAFT_DIR),
                        new MetadataStateMachine(registry, nodes, view.placement()), settings.partitionGroups(),
                        group -> new ReplicaStateMachine(replicas, entry -> GroupManager.applyReplicated(groups,
                                entry).toCompletableFuture().orTimeout(settings.requestTimeout().toMillis(),
                                TimeUnit.MILLISECONDS), leader -> installer.install(group, leader)));
                raft = node;
                journal.complete(node.metadataJournal());
                GroupStateReporter reporter = new GroupStateReporter(spec.self(), settings.partitionGroups(),
                        ownGroups, view.placement().reported(), node.metadataJournal());
                node.afterEachSample(reporter::check);
                started.complete(null);
            } catch (Exception e) {
                journal.completeExceptionally(e);
                started.completeExceptionally(e);
            }
        }, "riverlog-raft-start");
        starter.setDaemon(true);
        starter.start();
        return started;
    }

    /** Registers {@code self} in the metadata group, trying again until it is committed or the node closes. */
    void register(NodeAddress self) {
        journal.thenCompose(started -> NodeRegistration.register(started, self)).whenComplete((index, failure) -> {
            if (failure == null) {
                log.info("Node {} registered in the metadata group: Kafka {}:{}, HTTP {}:{}", self.nodeId(),
                        self.kafkaHost(), self.kafkaPort(), self.httpHost(), self.httpPort());
            } else if (!closed && !journal.isCompletedExceptionally()) {
                Duration retry = settings.joinRetryInterval();
                log.warn("Registering node {} in the metadata group failed; trying again in {}: {}", self.nodeId(),
                        retry, failure.toString());
                CompletableFuture.delayedExecutor(retry.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> register(self));
            }
        });
    }

    void close() {
        closed = true;
        installs.shutdownNow();
        RaftNode node = raft;
        if (node != null) {
            node.close();
        }
    }
}
