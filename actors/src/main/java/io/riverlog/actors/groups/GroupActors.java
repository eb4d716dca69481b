package io.riverlog.actors.groups;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

import io.riverlog.actors.groups.ConsumerGroupRequests.ConsumerRequest;
import io.riverlog.actors.groups.GroupRequests.GroupOverview;
import io.riverlog.actors.groups.GroupRequests.JoinGroup;
import io.riverlog.actors.groups.GroupRequests.Request;
import io.riverlog.actors.groups.classic.ClassicGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroup;
import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;

/**
 * The actor of each group that has one, with the protocol it speaks and the group as it last
 * reported itself, and the rule that binds a group id to a protocol: one protocol at a time; a
 * member that arrives (a JoinGroup, or a ConsumerGroupHeartbeat that joins) spawns the actor of its
 * protocol for a group that has none, and an empty group changes protocol when a member of the other
 * one arrives (its actor is stopped, and one of the new protocol spawned). Each actor is watched;
 * the {@link GroupManager} hears {@link Stopped} when one stops. Used on the manager's thread only.
 */
final class GroupActors {

    /** A group's actor stopped (a group deleted or changing protocol, or one that failed). */
    record Stopped(String groupId, ActorRef<GroupActor.Command> actor) implements GroupManager.Command {
    }

    /** The group protocols. */
    enum GroupProtocol {
        CLASSIC, CONSUMER;

        /** The protocol whose API the request is of. */
        static GroupProtocol of(Request request) {
            return request instanceof ConsumerRequest ? CONSUMER : CLASSIC;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The actor of one group, the protocol it speaks, and the group as it last reported itself. */
    record RoutedGroup(ActorRef<GroupActor.Command> actor, GroupProtocol protocol, GroupOverview overview) {
        boolean isEmpty() {
            return overview.state() == GroupState.EMPTY;
        }
    }

    private final ActorContext<GroupManager.Command> context;
    private final GroupSettings settings;
    private final ConsumerGroupSettings consumerSettings;
    private final ActorRef<GroupActor.Report> reports;
    private final Map<String, RoutedGroup> byGroupId = new HashMap<>();
    private long spawned;

    /** {@code reports}: where the actors send their {@link GroupActor.Report}s (the manager's adapter). */
    GroupActors(ActorContext<GroupManager.Command> context, GroupSettings settings,
                ConsumerGroupSettings consumerSettings, ActorRef<GroupActor.Report> reports) {
        this.context = context;
        this.settings = settings;
        this.consumerSettings = consumerSettings;
        this.reports = reports;
    }

    /**
     * The actor that a request about {@code groupId} goes to, after the rule: if a member arrives, an
     * actor of its protocol, spawned now unless the group has one. Empty if the group has none; the
     * actor may speak the other protocol (if the group is not empty, or no member arrives).
     */
    Optional<RoutedGroup> forRequest(Request request, String groupId) {
        GroupProtocol protocol = GroupProtocol.of(request);
        RoutedGroup group = byGroupId.get(groupId);
        if (!isArrivingMember(request)) {
            return Optional.ofNullable(group);
        }
        if (group != null && group.protocol() != protocol && group.isEmpty()) {
            byGroupId.remove(groupId);
            context.stop(group.actor());
            context.getLog().info("Empty group {} changes from the {} to the {} group protocol", groupId,
                    group.protocol(), protocol);
            group = null;
        }
        return Optional.of(group != null ? group : spawn(groupId, protocol));
    }

    private static boolean isArrivingMember(Request request) {
        return request instanceof JoinGroup || (request instanceof ConsumerGroupRequests.Heartbeat heartbeat
                && heartbeat.memberEpoch() == ConsumerGroupRequests.JOIN_EPOCH);
    }

    private RoutedGroup spawn(String groupId, GroupProtocol protocol) {
        ActorRef<GroupActor.Command> actor = switch (protocol) {
            case CLASSIC -> context.spawn(ClassicGroup.create(groupId, settings, reports), "group-" + (++spawned));
            case CONSUMER -> context.spawn(ConsumerGroup.create(groupId, consumerSettings, reports),
                    "consumer-group-" + (++spawned));
        };
        context.watchWith(actor, new Stopped(groupId, actor));
        RoutedGroup group = new RoutedGroup(actor, protocol, protocol == GroupProtocol.CLASSIC
                ? new GroupOverview(groupId, "", GroupState.EMPTY)
                : new GroupOverview(groupId, GroupOverview.CONSUMER_PROTOCOL_TYPE, GroupState.EMPTY, true));
        byGroupId.put(groupId, group);
        return group;
    }

    Optional<RoutedGroup> get(String groupId) {
        return Optional.ofNullable(byGroupId.get(groupId));
    }

    /** Notes the group's new state, if {@code actor} is still its actor; returns whether it is. */
    boolean changed(ActorRef<GroupActor.Command> actor, GroupOverview overview) {
        RoutedGroup group = byGroupId.get(overview.groupId());
        if (group == null || !group.actor().equals(actor)) {
            return false;
        }
        byGroupId.put(overview.groupId(), new RoutedGroup(actor, group.protocol(), overview));
        return true;
    }

    /** Forgets the group's actor, if {@code actor} is still its actor; returns it if it was. */
    Optional<RoutedGroup> remove(String groupId, ActorRef<GroupActor.Command> actor) {
        RoutedGroup group = byGroupId.get(groupId);
        if (group == null || !group.actor().equals(actor)) {
            return Optional.empty();
        }
        byGroupId.remove(groupId);
        return Optional.of(group);
    }

    /** Every group that has an actor, as it last reported itself. */
    Collection<GroupOverview> overviews() {
        return byGroupId.values().stream().map(RoutedGroup::overview).toList();
    }

    int size() {
        return byGroupId.size();
    }

    /**
     * Forgets and stops the actors of the groups {@code which} accepts, quietly (the manager hears
     * {@link Stopped} for each, but they are no longer its groups' actors); returns how many.
     */
    int stopWhere(java.util.function.Predicate<String> which) {
        List<RoutedGroup> stopped = byGroupId.entrySet().stream().filter(e -> which.test(e.getKey()))
                .map(Map.Entry::getValue).toList();
        stopped.forEach(group -> {
            byGroupId.remove(group.overview().groupId());
            context.stop(group.actor());
        });
        return stopped.size();
    }

    /** Stops every group's actor (they are watched, so the manager hears {@link Stopped} for each). */
    void stopAll() {
        List.copyOf(byGroupId.values()).forEach(group -> context.stop(group.actor()));
    }
}
