package io.riverlog.actors.cluster;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each partition group's leader, term and in-sync members as its leader last reported them through the
 * metadata group, for nodes outside the group (clusters of more than three), which do not hear its
 * elections: as Kafka's brokers learn partitions' leaders and in-sync replicas from the controller's
 * metadata log. Written by the metadata group's state machine only; read on any thread. A report of
 * an older term than the one held is ignored (reports from two leaders may commit in either order).
 */
public final class GroupStates {

    /** A group's state as its leader saw it: the term it leads in, itself, and the members in sync (sorted). */
    public record GroupState(long term, int leader, List<Integer> inSync) {
        public GroupState {
            inSync = List.copyOf(inSync);
        }
    }

    private final Map<Integer, GroupState> reported = new ConcurrentHashMap<>();

    /** Group {@code group}'s state as last reported; empty if none was. */
    public Optional<GroupState> of(int group) {
        return Optional.ofNullable(reported.get(group));
    }

    /** Takes {@code state} as group {@code group}'s unless a report of a later term was taken already. */
    public void report(int group, GroupState state) {
        reported.merge(group, state, (held, reportedNow) -> reportedNow.term() >= held.term() ? reportedNow : held);
    }
}
