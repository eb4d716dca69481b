package io.riverlog.api.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.topics.MetadataStateMachine;
import io.riverlog.actors.topics.NodeRegistration;
import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.topics.ClusterView;
import io.riverlog.raft.ClusterSettings;
import io.riverlog.raft.ClusterSpec;
import io.riverlog.raft.RaftNode;
import io.riverlog.wal.Storage;

/**
 * This broker's part in a cluster: it starts the node's Raft server (on a thread of its own, as
 * starting it blocks) with the metadata group applied by a {@link MetadataStateMachine} that feeds
 * the topic registry, and registers the node's addresses in the group once its listeners are bound,
 * trying again every {@code join-retry-interval} until a majority commits it.
 */
final class ClusterNode {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final String RAFT_DIR = "raft";

    private final ClusterSpec spec;
    private final ClusterSettings settings;
    private final PublishedNodes nodes = new PublishedNodes();
    private final ClusterView view;
    private final CompletableFuture<ReplicatedJournal> journal = new CompletableFuture<>();
    private volatile RaftNode raft;
    private volatile boolean closed;

    ClusterNode(ClusterSpec spec, ClusterSettings settings) {
        this.spec = spec;
        this.settings = settings;
        this.view = new ClusterView(new Placement(spec.asMembers()), nodes);
    }

    ClusterView view() {
        return view;
    }

    /** The registry of this node of the cluster; it waits for {@link #start}. */
    Behavior<TopicRegistry.Command> registry(RegistrySettings registrySettings, Storage storage,
                                             PartitionMetrics metrics, PublishedTopics published) {
        return TopicRegistry.createReplicated(registrySettings, storage, metrics, published, view.placement(),
                journal, settings.joinRetryInterval());
    }

    /** Starts the Raft server under {@code dataDir}; completes once it runs (not once a leader is elected). */
    CompletionStage<Void> start(ActorRef<TopicRegistry.Command> registry, Path dataDir) {
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                RaftNode node = RaftNode.start(spec, settings, dataDir.resolve(RAFT_DIR),
                        new MetadataStateMachine(registry, nodes));
                raft = node;
                journal.complete(node.metadataJournal());
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
        RaftNode node = raft;
        if (node != null) {
            node.close();
        }
    }
}
