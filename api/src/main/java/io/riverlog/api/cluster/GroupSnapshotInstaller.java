package io.riverlog.api.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.SnapshotPoint;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.GroupSnapshot;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.actors.replica.ReplicaProgress;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.wal.Storage;

/**
 * Copies a partition group's state from another member, for a member that needs entries the group's
 * leader purged: it asks that node for its snapshot of the group ({@link GroupSnapshotRoutes}), copies
 * each partition's files into a staging directory beside the replica's (fsynced), has the registry
 * put them in place of this node's replicas ({@link TopicRegistry.InstallReplicas}), makes this
 * node's committed offsets of the group's consumer groups those of the other node, and completes with
 * the snapshot's point: the consensus engine then sends the entries after it. Blocking HTTP and file
 * IO on its own executor.
 */
public final class GroupSnapshotInstaller {
    private static final Logger log = LoggerFactory.getLogger(GroupSnapshotInstaller.class);

    private final PublishedNodes nodes;
    private final ActorRef<TopicRegistry.Command> registry;
    private final ActorRef<GroupManager.Command> groups;
    private final Function<PartitionId, Path> dirs;
    private final Storage storage;
    private final Executor executor;
    private final Duration requestTimeout;
    private final HttpClient http;

    public GroupSnapshotInstaller(PublishedNodes nodes, ActorRef<TopicRegistry.Command> registry,
                                  ActorRef<GroupManager.Command> groups, Function<PartitionId, Path> dirs,
                                  Storage storage, Executor executor, Duration requestTimeout) {
        this.nodes = nodes;
        this.registry = registry;
        this.groups = groups;
        this.dirs = dirs;
        this.storage = storage;
        this.executor = executor;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    /** Copies partition group {@code group}'s state from node {@code from}; completes with its snapshot's point. */
    public CompletionStage<SnapshotPoint> install(int group, int from) {
        CompletableFuture<GroupSnapshotOffer> copied = CompletableFuture.supplyAsync(() -> {
            try {
                return copy(group, from);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }, executor);
        return copied.thenCompose(offer -> put(group, offer)).thenCompose(offer -> GroupManager.replaceShard(groups,
                group, offer.offsets()).thenApply(replaced -> {
                    log.info("Partition group {}: copied {} replicas and the committed offsets from node {}, at its"
                            + " snapshot of entry {}", group, offer.snapshot().partitions().size(), from,
                            offer.snapshot().index());
                    return new SnapshotPoint(offer.snapshot().term(), offer.snapshot().index());
                }));
    }

    private GroupSnapshotOffer copy(int group, int from) throws IOException, InterruptedException {
        NodeAddress node = nodes.get(from).orElseThrow(() -> new IOException("node " + from
                + " has not registered its HTTP address yet"));
        String base = "http://" + node.httpHost() + ":" + node.httpPort() + "/cluster/v1/";
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(base + "groups/" + group
                + "/snapshot")).timeout(requestTimeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IOException("node " + from + " answered " + answer.statusCode() + ": "
                    + new String(answer.body(), StandardCharsets.UTF_8));
        }
        GroupSnapshotOffer offer = GroupSnapshotRoutes.MAPPER.readValue(answer.body(), GroupSnapshotOffer.class);
        for (GroupSnapshot.PartitionCopy partition : offer.snapshot().partitions()) {
            PartitionId id = new PartitionId(partition.topic(), partition.partition());
            Path staged = ReplicaFiles.stagingDir(dirs.apply(id));
            storage.deleteTree(staged);
            storage.createDirectories(staged);
            for (GroupSnapshot.FileCopy file : partition.files()) {
                if (!ReplicaFiles.isCopiedName(file.name())) {
                    throw new IOException("node " + from + " offered a file named " + file.name() + " for " + id);
                }
                fetch(URI.create(base + "partitions/" + URLEncoder.encode(partition.topic(), StandardCharsets.UTF_8)
                        + "/" + partition.partition() + "/files/" + file.name() + "?length=" + file.length()),
                        staged.resolve(file.name()), file.length());
            }
            storage.fsyncDirectory(staged);
        }
        return offer;
    }

    /** Fetches a file of {@code length} bytes into {@code to}, durably. */
    private void fetch(URI uri, Path to, long length) throws IOException, InterruptedException {
        // The timeout bounds the wait for the answer to start (a node that stopped answering), not the copy.
        HttpResponse<Path> answer = http.send(HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
                HttpResponse.BodyHandlers.ofFile(to));
        if (answer.statusCode() != 200) {
            throw new IOException(uri + " answered " + answer.statusCode());
        }
        try (FileChannel file = storage.open(to, StandardOpenOption.WRITE)) {
            if (file.size() != length) {
                throw new IOException(uri + " sent " + file.size() + " bytes, not " + length);
            }
            file.force(true);
        }
    }

    private CompletionStage<GroupSnapshotOffer> put(int group, GroupSnapshotOffer offer) {
        List<TopicRegistry.StagedReplica> staged = new ArrayList<>();
        for (GroupSnapshot.PartitionCopy partition : offer.snapshot().partitions()) {
            PartitionId id = new PartitionId(partition.topic(), partition.partition());
            staged.add(new TopicRegistry.StagedReplica(id, partition.topicId(), ReplicaFiles.stagingDir(dirs.apply(id)),
                    new ReplicaProgress.Applied(partition.appliedIndex(), partition.endOffset())));
        }
        CompletableFuture<Void> installed = new CompletableFuture<>();
        registry.tell(new TopicRegistry.InstallReplicas(group, staged, installed));
        return installed.thenApply(done -> offer);
    }
}
