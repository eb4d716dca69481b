package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The data of a deleted topic going away, once its Deleted event is durable and applied: its
 * partitions stop (flushed and closed; {@link #start}), then, once the registry has seen them all
 * terminate, their directories are removed on the blocking-IO dispatcher ({@link #removeDirectories}),
 * and the registry hears {@link DirectoriesDeleted}. A crash between these steps leaves directories
 * that the next start removes. Used only on the registry's own thread.
 */
final class TopicDeletion {

    /** The deleted topic's directories are removed, or removing them failed. */
    record DirectoriesDeleted(Optional<Throwable> failure) implements TopicRegistry.Command {
    }

    private final ActorContext<TopicRegistry.Command> context;
    private final RegistrySettings settings;
    private final Executor blockingIo;
    private final TopicDirectories directories;
    private final PartitionChildren partitions;
    /** The topic whose data is being removed, as it was before its deletion. */
    private TopicInfo deleting;

    TopicDeletion(ActorContext<TopicRegistry.Command> context, RegistrySettings settings, Executor blockingIo,
                  TopicDirectories directories, PartitionChildren partitions) {
        this.context = context;
        this.settings = settings;
        this.blockingIo = blockingIo;
        this.directories = directories;
        this.partitions = partitions;
    }

    /** Stops the partitions of {@code topic}, whose deletion is durable. */
    void start(TopicInfo topic) {
        deleting = topic;
        context.getLog().info("Deleted topic {} (id {}); stopping its partitions ({}) and removing their data",
                topic.name(), topic.topicId(), topic.partitions());
        partitions.stop(TopicTable.partitionsOf(topic.name(), 0, topic.partitions()));
    }

    boolean inProgress() {
        return deleting != null;
    }

    /** The partitions stopped: removes their directories. */
    void removeDirectories() {
        List<Path> dirs = TopicTable.partitionsOf(deleting.name(), 0, deleting.partitions()).stream()
                .map(settings::partitionDir).toList();
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            for (Path dir : dirs) {
                directories.delete(dir);
            }
            return Done.getInstance();
        }), (done, failure) -> new DirectoriesDeleted(Optional.ofNullable(failure).map(BlockingIo::cause)));
    }

    /** The deletion is over (a failure to remove the directories is logged); returns the deleted topic. */
    TopicInfo finished(DirectoriesDeleted deleted) {
        TopicInfo topic = deleting;
        deleted.failure().ifPresent(failure -> context.getLog().error("Topic {} is deleted, but removing its"
                + " directories failed; the next start (or a new topic of that name) removes them: {}",
                topic.name(), failure.toString()));
        deleting = null;
        return topic;
    }
}
