package io.riverlog.actors.groups;

import java.util.Optional;
import java.util.Set;

import org.apache.pekko.actor.typed.ActorRef;

import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupRequests.DeleteGroup;
import io.riverlog.actors.groups.GroupRequests.DeleteOffsets;
import io.riverlog.actors.groups.GroupRequests.FetchOffsets;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;

/**
 * What the {@link GroupManager} and the actor of one group say to each other, whichever protocol
 * the group speaks: a {@link io.riverlog.actors.groups.classic.ClassicGroup} (Kafka's classic group
 * protocol) or a {@link io.riverlog.actors.groups.consumer.ConsumerGroup} (the consumer group
 * protocol of KIP-848).
 *
 * <p>The manager forwards the group's requests ({@link GroupRequests.GroupRequest},
 * {@link ConsumerGroupRequests.ConsumerRequest}, and fetches that name a member) and, once the group
 * is deleted, {@link Stop}. The group answers its members itself, and reports to the manager what
 * concerns the committed offsets, which are not its own: a commit, fetch or offset deletion it found
 * valid, each change of its state (for ListGroups, and for the expiry of its offsets), and its
 * retirement when it is deleted. The manager receives the reports through an adapter, so that only
 * the actors it spawned can send them.
 */
public final class GroupActor {
    private GroupActor() {
    }

    /** A message the actor of one group takes. */
    public interface Command {
    }

    /** From the manager, after this group was deleted: everything sent before it has been answered. */
    public enum Stop implements Command {
        INSTANCE
    }

    /** What the actor of one group tells the manager. */
    public sealed interface Report permits Changed, CommitAccepted, FetchAccepted, OffsetDeletionAccepted, Retired {
    }

    /** The group changed state. */
    public record Changed(ActorRef<Command> group, GroupOverview overview) implements Report {
    }

    /** The group found the commit valid: write it. */
    public record CommitAccepted(CommitOffsets request) implements Report {
    }

    /** A consumer-protocol group found the fetch's member and epoch valid: answer it. */
    public record FetchAccepted(FetchOffsets request) implements Report {
    }

    /**
     * The group allows deleting the offsets of partitions whose topics are not in
     * {@code subscribedTopics}; empty means every topic counts as subscribed.
     */
    public record OffsetDeletionAccepted(DeleteOffsets request, Optional<Set<String>> subscribedTopics)
            implements Report {
    }

    /**
     * The group was empty and turned Dead for a DeleteGroup (answering everything else
     * COORDINATOR_NOT_AVAILABLE from now on): log the deletion, then stop it.
     */
    public record Retired(DeleteGroup request, ActorRef<Command> group) implements Report {
    }
}
