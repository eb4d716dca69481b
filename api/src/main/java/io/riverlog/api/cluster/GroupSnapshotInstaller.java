package io.riverlog.api.cluster;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * each partition's files into a staging directory beside the replica's (fsynced; of a segment this
 * node holds, the part that is byte for byte the other node's is taken from its own), has the registry
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
    private final ReplicaFileFetcher files;

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
        this.files = new ReplicaFileFetcher(http, storage, requestTimeout);
    }

    /** Copies partition group {@code group}'s state from node {@code from}; completes with its snapshot's point. */
    public CompletionStage<SnapshotPoint> install(int group, int from) {
        CompletableFuture<Copied> copied = CompletableFuture.supplyAsync(() -> {
            try {
                return copy(group, from);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }, executor);
        return copied.thenCompose(copy -> put(group, copy.offer()).thenCompose(offer -> GroupManager.replaceShard(
                groups, group, offer.offsets())).thenApply(replaced -> {
                    GroupSnapshot snapshot = copy.offer().snapshot();
                    log.info("Partition group {}: copied {} replicas and the committed offsets from node {}, at its"
                            + " snapshot of entry {} ({} bytes fetched, {} reused from this node's replicas)", group,
                            snapshot.partitions().size(), from, snapshot.index(), copy.bytes().fetchedBytes(),
                            copy.bytes().reusedBytes());
                    return new SnapshotPoint(snapshot.term(), snapshot.index());
                }));
    }

    /** What a copy brought: the other node's offer, and how many bytes came from it and from this node. */
    private record Copied(GroupSnapshotOffer offer, ReplicaFileFetcher.Fetched bytes) {
    }

    private Copied copy(int group, int from) throws IOException, InterruptedException {
        NodeAddress node = nodes.get(from).orElseThrow(() -> new IOException("node " + from
                + " has not registered its HTTP address yet"));
        String base = "http://" + node.httpHost() + ":" + node.httpPort() + "/cluster/v1/";
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(base + "groups/" + group
                + "/snapshot")).timeout(requestTimeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != HttpURLConnection.HTTP_OK) {
            throw new IOException("node " + from + " answered " + answer.statusCode() + ": "
                    + new String(answer.body(), StandardCharsets.UTF_8));
        }
        GroupSnapshotOffer offer = GroupSnapshotRoutes.MAPPER.readValue(answer.body(), GroupSnapshotOffer.class);
        ReplicaFileFetcher.Fetched fetched = ReplicaFileFetcher.Fetched.NOTHING;
        for (GroupSnapshot.PartitionCopy partition : offer.snapshot().partitions()) {
            Path replica = dirs.apply(new PartitionId(partition.topic(), partition.partition()));
            fetched = fetched.plus(files.fetch(base, partition, replica, ReplicaFiles.stagingDir(replica)));
        }
        return new Copied(offer, fetched);
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
