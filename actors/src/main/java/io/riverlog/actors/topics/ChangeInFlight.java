package io.riverlog.actors.topics;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.cluster.ReplicatedJournal;
import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.topics.TopicRegistry.Change;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.WriteOutcomeUnknownException;

/**
 * The one topic change the registry is carrying out, and its steps: {@link #write} (on the
 * blocking-IO dispatcher: leftover directories under the new partitions' names removed, then the
 * event appended and fsynced), then, once the registry hears {@link Written}, {@link #apply} (the
 * table changed, the topics published, new partitions spawned), then {@link #answer}. A write that
 * failed is answered by {@link #fail}: the metadata log was cut back, so the change is not in
 * effect, unless the cut-back failed too ({@link TopicError#OUTCOME_UNKNOWN}). Used only on the
 * registry's own thread.
 *
 * <p>In a cluster the change is instead submitted to the metadata group ({@link #replicate}): the
 * group's state machine accepts it ({@link Replicated}, at its place in the log) or refuses it
 * ({@link Refused}: another node's change came first), and every node, this one included, applies
 * it when its entry comes ({@link MetadataStateMachine.Applied}). The change is answered once this
 * node has carried out the entry at its place ({@link #awaiting}).
 */
final class ChangeInFlight {

    /** The change's event is durable. */
    record Written(TopicEvent.OfTopic event) implements TopicRegistry.Command {
    }

    /** Writing the change's event failed. */
    record WriteFailed(TopicEvent.OfTopic event, Throwable cause) implements TopicRegistry.Command {
    }

    /** The metadata group accepted the change: the entry at {@code index} holds it. */
    record Replicated(TopicEvent.OfTopic event, long index) implements TopicRegistry.Command {
    }

    /** The metadata group refused the change when its entry was applied. */
    record Refused(TopicError error, String message) implements TopicRegistry.Command {
    }

    /** The metadata group did not answer the change in time: it may or may not be committed. */
    record NotCommitted(TopicEvent.OfTopic event, Throwable cause) implements TopicRegistry.Command {
    }

    private final ActorContext<TopicRegistry.Command> context;
    private final RegistrySettings settings;
    private final Executor blockingIo;
    private final RecordLog<TopicEvent> metadata;
    private final TopicDirectories directories;
    private final TopicTable topics;
    private final PublishedTopics published;
    private final PartitionChildren partitions;
    private Change change;
    /** In a cluster, the place in the metadata log of the change's entry, once it is known. */
    private OptionalLong awaiting = OptionalLong.empty();

    ChangeInFlight(ActorContext<TopicRegistry.Command> context, RegistrySettings settings, Executor blockingIo,
                   RecordLog<TopicEvent> metadata, TopicDirectories directories, TopicTable topics,
                   PublishedTopics published, PartitionChildren partitions) {
        this.context = context;
        this.settings = settings;
        this.blockingIo = blockingIo;
        this.metadata = metadata;
        this.directories = directories;
        this.topics = topics;
        this.published = published;
        this.partitions = partitions;
    }

    /** True if no change is being carried out. */
    boolean isEmpty() {
        return change == null;
    }

    /**
     * Starts {@code next}: on the blocking-IO dispatcher, removes leftover directories under the names
     * of {@code newPartitions}, then appends the event and fsyncs it. The registry hears
     * {@link Written} or {@link WriteFailed}.
     */
    void write(Change next, TopicEvent.OfTopic event, List<PartitionId> newPartitions) {
        change = next;
        RecordLog<TopicEvent> log = metadata;
        List<Path> leftovers = newPartitions.stream().map(settings::partitionDir).toList();
        context.pipeToSelf(BlockingIo.run(blockingIo, () -> {
            for (Path dir : leftovers) {
                directories.delete(dir);
            }
            return log.append(event);
        }), (end, failure) -> failure == null ? new Written(event)
                : new WriteFailed(event, BlockingIo.cause(failure)));
    }

    /**
     * In a cluster: submits the event to the metadata group. The registry hears {@link Replicated},
     * {@link Refused} or {@link NotCommitted}.
     */
    void replicate(Change next, TopicEvent.OfTopic event, ReplicatedJournal journal) {
        change = next;
        byte[] entry = MetadataEntries.topicChange(event);
        context.pipeToSelf(journal.submit(entry), (committed, failure) -> {
            if (failure != null) {
                return new NotCommitted(event, BlockingIo.cause(failure));
            }
            MetadataEntries.Answer answer = MetadataEntries.decodeAnswer(committed.reply());
            return answer.isAccepted() ? new Replicated(event, committed.index())
                    : new Refused(answer.error(), answer.message());
        });
    }

    /** The entry of the change in the metadata log, once the group accepted it. */
    OptionalLong awaiting() {
        return awaiting;
    }

    /** The change's entry is at {@code index}; ignored if the change was answered already (at shutdown). */
    void await(long index) {
        if (change != null) {
            awaiting = OptionalLong.of(index);
        }
    }

    /** Answers the change the group refused, unless it was answered already; the next one may start. */
    void refuse(Refused refused) {
        finish(refused.error(), refused.message());
    }

    /** Answers the change that the group did not commit in time; the next one may start. */
    void notCommitted(NotCommitted failed) {
        if (change == null) {
            return;
        }
        context.getLog().warn("Topic change {} was not committed by the metadata group in time; it may still come"
                + " into effect: {}", failed.event(), failed.cause().toString());
        finish(TopicError.OUTCOME_UNKNOWN, "the metadata group did not commit the change in time (is a"
                + " majority of the nodes running?); it may still come into effect: " + failed.cause().getMessage());
    }

    /** In a cluster: answers the change in flight as refused with {@code error}, if there is one. */
    void finish(TopicError error, String message) {
        if (change != null) {
            change.fail(error, message);
        }
        change = null;
        awaiting = OptionalLong.empty();
    }

    /**
     * Applies the durable event to the table and publishes the topics. Returns the topic as it is
     * now, with its new partitions spawned; for a delete, as it was (its partitions still run).
     */
    TopicInfo apply(TopicEvent.OfTopic event) {
        int partitionsBefore = topics.get(event.name()).map(TopicInfo::partitions).orElse(0);
        if (event instanceof TopicEvent.Deleted) {
            TopicInfo deleted = topics.get(event.name()).orElseThrow();
            topics.apply(event);
            published.publish(topics.all());
            return deleted;
        }
        topics.apply(event);
        published.publish(topics.all());
        TopicInfo topic = topics.get(event.name()).orElseThrow();
        partitions.spawn(topic, partitionsBefore, topic.partitions());
        if (event instanceof TopicEvent.Created) {
            context.getLog().info("Created topic {} (id {}): partitions {}, configs {}", topic.name(),
                    topic.topicId(), topic.partitions(), topic.configs());
        } else if (event instanceof TopicEvent.PartitionsAdded) {
            context.getLog().info("Topic {} grew from {} to {} partitions", topic.name(), partitionsBefore,
                    topic.partitions());
        } else {
            partitions.reconfigure(topic);
            context.getLog().info("Altered configs of topic {}: now {}", topic.name(), topic.configs());
        }
        return topic;
    }

    /** Answers the change as carried out; the next one may start. */
    void answer(TopicInfo topic) {
        change.answer(topic);
        change = null;
        awaiting = OptionalLong.empty();
    }

    /** Answers the change whose write failed; the next one may start. */
    void fail(WriteFailed failed) {
        if (failed.cause() instanceof WriteOutcomeUnknownException) {
            context.getLog().error("Topic change {} failed, and whether it comes into effect at the next start is"
                    + " unknown; changes are refused until the metadata log is cut back: {}", failed.event(),
                    failed.cause().getMessage());
            change.fail(TopicError.OUTCOME_UNKNOWN, "writing the topic change failed and the outcome is unknown:"
                    + " it is not in effect now, but may be after a restart: " + failed.cause().getMessage());
        } else {
            context.getLog().error("Topic change {} failed; it is not in effect and never will be: {}",
                    failed.event(), failed.cause().getMessage());
            change.fail(TopicError.STORAGE_ERROR, "writing the topic change failed; it is not in effect: "
                    + failed.cause().getMessage());
        }
        change = null;
    }
}
