package io.riverlog.actors.topics;

import java.util.List;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.GroupMembers;
import io.riverlog.actors.cluster.NodeAddress;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.ReplicatedStateMachine;
import io.riverlog.actors.topics.MetadataEntries.Answer;

/**
 * A cluster's metadata, as every node applies the metadata group's committed entries: the topics (its
 * own {@link TopicTable}), where the next block of producer ids starts, the nodes' addresses, and the
 * partition groups' moves to other nodes ({@link GroupMembers}). This is where a change is finally
 * accepted or refused: a node plans a change against the topics it has seen, but two nodes may plan at
 * once (both create topic "a"); the first entry in the log wins and the second is refused here, the
 * same way on every node. Accepted topic changes, and the place of every entry, go to this node's
 * {@link TopicRegistry} as {@link Applied}, in log order; the registry carries them out (spawns,
 * reconfigures, stops partitions).
 *
 * <p>Called on the consensus engine's thread, one entry at a time; it never blocks. Nothing here is
 * kept on disk: at a restart the group applies its log again from the start.
 */
public final class MetadataStateMachine implements ReplicatedStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    /**
     * An entry of the metadata group was applied; {@code change} is the topic change it made, if any,
     * and {@code groupsMoved} is true if it changed where partition groups are (or are going).
     */
    record Applied(long index, Optional<TopicEvent.OfTopic> change, boolean groupsMoved)
            implements TopicRegistry.Command {
        Applied(long index, Optional<TopicEvent.OfTopic> change) {
            this(index, change, false);
        }
    }

    private final ActorRef<TopicRegistry.Command> registry;
    private final PublishedNodes nodes;
    private final Placement placement;
    private final TopicTable topics = new TopicTable();
    private long nextUnreservedProducerId;

    public MetadataStateMachine(ActorRef<TopicRegistry.Command> registry, PublishedNodes nodes) {
        this(registry, nodes, new Placement(ClusterMembers.single(0)));
    }

    /** Also records the partition groups' moves in {@code placement}'s {@link GroupMembers}. */
    public MetadataStateMachine(ActorRef<TopicRegistry.Command> registry, PublishedNodes nodes, Placement placement) {
        this.registry = registry;
        this.nodes = nodes;
        this.placement = placement;
    }

    @Override
    public byte[] apply(long index, byte[] entry) {
        Answer answer;
        Optional<TopicEvent.OfTopic> change = Optional.empty();
        boolean groupsMoved = false;
        try {
            switch (MetadataEntries.kindOf(entry)) {
                case MetadataEntries.TOPIC_CHANGE -> {
                    TopicEvent.OfTopic event = MetadataEntries.topicChangeOf(entry);
                    answer = applyTopicChange(event);
                    change = answer.isAccepted() ? Optional.of(event) : Optional.empty();
                }
                case MetadataEntries.RESERVE_PRODUCER_IDS -> answer = reserve(MetadataEntries.blockSizeOf(entry));
                case MetadataEntries.REGISTER_NODE -> {
                    NodeAddress node = MetadataEntries.nodeOf(entry);
                    nodes.publish(node);
                    answer = Answer.accepted(0);
                }
                case MetadataEntries.BARRIER -> answer = Answer.accepted(0);
                case MetadataEntries.MOVE_GROUPS -> {
                    for (MetadataEntries.GroupMove move : MetadataEntries.movesOf(entry)) {
                        placement.moved().moving(move.group(), placement.replicasOfGroup(move.group()),
                                move.members());
                    }
                    answer = Answer.accepted(0);
                    groupsMoved = true;
                }
                case MetadataEntries.GROUP_MOVED -> {
                    MetadataEntries.GroupMove move = MetadataEntries.movedOf(entry);
                    List<Integer> before = placement.replicasOfGroup(move.group());
                    placement.moved().moved(move.group(), move.members());
                    log.info("Partition group {} is on nodes {} now (it was on {})", move.group(), move.members(),
                            before);
                    answer = Answer.accepted(0);
                    groupsMoved = true;
                }
                case MetadataEntries.GROUP_STATE -> {
                    MetadataEntries.ReportedState reported = MetadataEntries.groupStateOf(entry);
                    placement.reported().report(reported.group(), reported.state());
                    answer = Answer.accepted(0);
                }
                default -> throw new IllegalArgumentException("unknown kind " + MetadataEntries.kindOf(entry));
            }
        } catch (IllegalArgumentException e) {
            // Only a node of another version could write it: refused on every node alike.
            log.error("Metadata entry {} cannot be read; it is refused: {}", index, e.getMessage());
            answer = Answer.refused(TopicError.NOT_AVAILABLE, "a metadata entry this node cannot read: "
                    + e.getMessage());
        }
        registry.tell(new Applied(index, change, groupsMoved));
        return MetadataEntries.encode(answer);
    }

    private Answer applyTopicChange(TopicEvent.OfTopic event) {
        try {
            topics.apply(event);
            return Answer.accepted(0);
        } catch (IllegalStateException e) {
            TopicError error = event instanceof TopicEvent.Created ? TopicError.TOPIC_ALREADY_EXISTS
                    : TopicError.UNKNOWN_TOPIC;
            return Answer.refused(error, "another change came first: " + e.getMessage());
        }
    }

    private Answer reserve(int blockSize) {
        if (blockSize < 1 || Long.MAX_VALUE - nextUnreservedProducerId < blockSize) {
            return Answer.refused(TopicError.NOT_AVAILABLE, "every producer id up to " + nextUnreservedProducerId
                    + " was reserved; there are none left");
        }
        long first = nextUnreservedProducerId;
        nextUnreservedProducerId += blockSize;
        return Answer.accepted(first);
    }
}
