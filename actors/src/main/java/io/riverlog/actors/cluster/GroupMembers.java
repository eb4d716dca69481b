package io.riverlog.actors.cluster;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which nodes the partition groups moved to, as the metadata group decided it, for readers on any
 * thread: a group's members since its last completed move, and the members a move under way goes to
 * (its target). A group never moved has its first members ({@link Placement} computes those) and no
 * entry here. Replaced whole at each change, by the metadata group's state machine only.
 */
public final class GroupMembers {

    /**
     * One group's members, its preferred leader first, and where a move under way takes it.
     *
     * @param members the nodes whose Raft group this is since the last completed move
     * @param target  the members a move under way goes to; empty if none is under way
     */
    public record Membership(List<Integer> members, Optional<List<Integer>> target) {
        public Membership {
            members = List.copyOf(members);
            target = target.map(List::copyOf);
        }

        /** True while a move is under way. */
        public boolean moving() {
            return target.isPresent();
        }
    }

    private volatile Map<Integer, Membership> moved = Map.of();

    /** The group's membership if it ever moved. */
    public Optional<Membership> of(int group) {
        return Optional.ofNullable(moved.get(group));
    }

    /** Every group that ever moved, by number. */
    public Map<Integer, Membership> all() {
        return moved;
    }

    /** A move of group {@code group}, whose members are {@code members} now, to {@code target} is under way. */
    public synchronized void moving(int group, List<Integer> members, List<Integer> target) {
        put(group, new Membership(members, Optional.of(target)));
    }

    /**
     * Group {@code group}'s Raft configuration is {@code members} now. A move to these members is over; a
     * later move elsewhere (another target) stays under way.
     */
    public synchronized void moved(int group, List<Integer> members) {
        Optional<List<Integer>> target = of(group).flatMap(Membership::target).filter(t -> !t.equals(members));
        put(group, new Membership(members, target));
    }

    private void put(int group, Membership membership) {
        Map<Integer, Membership> next = new TreeMap<>(moved);
        next.put(group, membership);
        moved = Collections.unmodifiableMap(next);
    }
}
