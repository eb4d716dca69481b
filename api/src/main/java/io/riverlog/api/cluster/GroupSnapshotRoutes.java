package io.riverlog.api.cluster;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.SnapshotPoint;
import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.GroupSnapshot;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.actors.topics.PublishedTopics;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.wal.Storage;

/**
 * A partition group's state as this node holds it, for a member that needs entries the group's leader
 * purged ({@link GroupSnapshotInstaller}):
 * <ul>
 *   <li>{@code GET /cluster/v1/groups/{g}/snapshot}: the group's newest snapshot here and, for each of
 *       its partitions, what this node's replica applied and its files ({@link ReplicaFiles#describe}),
 *       with the group's committed offsets ({@link GroupSnapshotOffer}); 404 if this node has no
 *       snapshot of the group;</li>
 *   <li>the files of the replicas it lists ({@link ReplicaFileRoutes}).</li>
 * </ul>
 */
public final class GroupSnapshotRoutes {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final IntFunction<Optional<SnapshotPoint>> snapshots;
    private final Placement placement;
    private final PublishedTopics topics;
    private final Function<PartitionId, Path> dirs;
    private final Storage storage;
    private final ActorRef<GroupManager.Command> groups;
    private final Executor blockingIo;
    private final ReplicaFileRoutes files;

    /**
     * Over this node's snapshots of each group, where its topics' partitions are placed, the topics it
     * knows, where each partition's directory is, and its group manager (for the offsets); files are
     * read on {@code blockingIo}.
     */
    public GroupSnapshotRoutes(IntFunction<Optional<SnapshotPoint>> snapshots, Placement placement,
                               PublishedTopics topics, Function<PartitionId, Path> dirs, Storage storage,
                               ActorRef<GroupManager.Command> groups, Executor blockingIo) {
        this.snapshots = snapshots;
        this.placement = placement;
        this.topics = topics;
        this.dirs = dirs;
        this.storage = storage;
        this.groups = groups;
        this.blockingIo = blockingIo;
        this.files = new ReplicaFileRoutes(dirs, storage, blockingIo);
    }

    public Route route() {
        return concat(
                path(PathMatchers.segment("cluster").slash("v1").slash("groups").slash(PathMatchers.integerSegment())
                        .slash("snapshot"), group -> get(() -> completeWithFuture(offer(group)))),
                files.route());
    }

    private CompletionStage<HttpResponse> offer(int group) {
        Optional<SnapshotPoint> point = snapshots.apply(group);
        if (point.isEmpty()) {
            return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND)
                    .withEntity("this node has no snapshot of partition group " + group));
        }
        List<TopicInfo> known = topics.current().orElse(List.of());
        CompletableFuture<List<GroupSnapshot.PartitionCopy>> replicas = CompletableFuture.supplyAsync(() -> {
            List<GroupSnapshot.PartitionCopy> copies = new ArrayList<>();
            for (TopicInfo topic : known) {
                for (int p = 0; p < topic.partitions(); p++) {
                    if (placement.groupOf(topic.topicId(), p) != group) {
                        continue;
                    }
                    Path dir = dirs.apply(new PartitionId(topic.name(), p));
                    try {
                        copies.add(ReplicaFiles.describe(topic.name(), topic.topicId(), p, dir, storage));
                    } catch (IOException e) {
                        throw new IllegalStateException("describing the replica in " + dir + " failed: " + e, e);
                    }
                }
            }
            return copies;
        }, blockingIo);
        return replicas.thenCombine(GroupManager.exportShard(groups, group), (copies, offsets) -> {
            GroupSnapshotOffer offer = new GroupSnapshotOffer(new GroupSnapshot(point.get().term(),
                    point.get().index(), copies), offsets);
            try {
                return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                        MAPPER.writeValueAsBytes(offer)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
