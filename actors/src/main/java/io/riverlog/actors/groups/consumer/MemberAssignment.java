package io.riverlog.actors.groups.consumer;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import io.riverlog.actors.groups.ConsumerGroupRequests;
import io.riverlog.actors.partition.PartitionId;

/**
 * Where one member of a consumer-protocol group stands on its way to the group's target assignment,
 * and the reconciliation step that moves it on (KIP-848). A member never gets a partition that
 * another member still owns: partitions move by first being revoked from their owner (which keeps
 * its epoch until it confirms), then assigned once free.
 *
 * @param epoch             the member epoch: the target assignment epoch it reached
 * @param previousEpoch     its epoch before that; a heartbeat with it is still accepted (its answer may have been lost)
 * @param state             {@link State}
 * @param assigned          the partitions the member may consume
 * @param pendingRevocation partitions it must give up; until it confirms, no one else gets them
 */
record MemberAssignment(int epoch, int previousEpoch, State state, Set<PartitionId> assigned,
                        Set<PartitionId> pendingRevocation) {

    enum State {
        /** The member has its target assignment (of its epoch). */
        STABLE,
        /** The member must revoke {@link #pendingRevocation} before it moves to a new epoch. */
        UNREVOKED_PARTITIONS,
        /** The member reached the target epoch, but some of its target partitions are still owned by others. */
        UNRELEASED_PARTITIONS
    }

    static final MemberAssignment JOINING = new MemberAssignment(ConsumerGroupRequests.JOIN_EPOCH,
            ConsumerGroupRequests.JOIN_EPOCH, State.STABLE, Set.of(), Set.of());

    MemberAssignment {
        assigned = Set.copyOf(assigned);
        pendingRevocation = Set.copyOf(pendingRevocation);
    }

    /** Every partition the member holds: assigned, or not yet revoked. */
    Set<PartitionId> held() {
        Set<PartitionId> out = new HashSet<>(assigned);
        out.addAll(pendingRevocation);
        return out;
    }

    MemberAssignment withEpoch(int newEpoch) {
        return new MemberAssignment(newEpoch, epoch, state, assigned, pendingRevocation);
    }

    /**
     * The next step towards {@code target}.
     *
     * @param owned       what the member reported owning in this heartbeat; empty if it did not report
     * @param heldByOther whether another member still holds a partition
     */
    MemberAssignment reconcile(int targetEpoch, Set<PartitionId> target, Optional<Set<PartitionId>> owned,
                               Predicate<PartitionId> heldByOther) {
        switch (state) {
            case STABLE -> {
                if (epoch == targetEpoch) {
                    return this;
                }
            }
            case UNREVOKED_PARTITIONS -> {
                boolean stillOwns = owned.map(o -> o.stream().anyMatch(pendingRevocation::contains)).orElse(true);
                if (stillOwns) {
                    return this;
                }
            }
            case UNRELEASED_PARTITIONS -> {
            }
        }
        Set<PartitionId> kept = new HashSet<>(assigned);
        kept.retainAll(target);
        Set<PartitionId> toRevoke = new HashSet<>(assigned);
        toRevoke.removeAll(target);
        if (!toRevoke.isEmpty()) {
            // The epoch stays until the member confirms the revocation: its commits remain valid meanwhile.
            return new MemberAssignment(epoch, previousEpoch, State.UNREVOKED_PARTITIONS, kept, toRevoke);
        }
        Set<PartitionId> next = new HashSet<>(kept);
        boolean unreleased = false;
        for (PartitionId partition : target) {
            if (kept.contains(partition)) {
                continue;
            }
            if (heldByOther.test(partition)) {
                unreleased = true;
            } else {
                next.add(partition);
            }
        }
        State nextState = unreleased ? State.UNRELEASED_PARTITIONS : State.STABLE;
        int nextPrevious = targetEpoch == epoch ? previousEpoch : epoch;
        return new MemberAssignment(targetEpoch, nextPrevious, nextState, next, Set.of());
    }
}
