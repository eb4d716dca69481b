package io.riverlog.actors.groups.classic;

import java.util.Optional;

import io.riverlog.actors.groups.GroupError;
import io.riverlog.actors.groups.GroupRequests.CommitOffsets;
import io.riverlog.actors.groups.GroupState;

/**
 * Kafka's rules for whether a request may act on a classic group, given where the group is: pure functions
 * of the members, the state and the current generation.
 */
final class MembershipChecks {
    private MembershipChecks() {
    }

    /** A member's request in a generation: it must be the member it says, in the current generation. */
    static GroupError member(ClassicGroupMembers members, GroupState state, int currentGeneration, String memberId,
                             Optional<String> groupInstanceId, int generation) {
        GroupError error = members.validate(memberId, groupInstanceId);
        if (error != GroupError.NONE) {
            return error;
        }
        if (generation != currentGeneration) {
            return GroupError.ILLEGAL_GENERATION;
        }
        return state == GroupState.EMPTY ? GroupError.UNKNOWN_MEMBER_ID : GroupError.NONE;
    }

    /**
     * A commit: anyone may commit with generation -1 while the group is empty (consumers that assign
     * partitions themselves, admin tools); otherwise only a member, in the current generation, and not
     * while the group waits for its leader's assignment (the member then rejoins, as Kafka asks).
     * Commits during PreparingRebalance are accepted: members commit before they rejoin.
     */
    static GroupError commit(ClassicGroupMembers members, GroupState state, int currentGeneration,
                             CommitOffsets commit) {
        GroupError error = GroupError.NONE;
        if (commit.generationId() < 0 && state == GroupState.EMPTY) {
            return GroupError.NONE;
        } else if (commit.generationId() >= 0 || !commit.memberId().isEmpty() || commit.groupInstanceId().isPresent()) {
            error = member(members, state, currentGeneration, commit.memberId(), commit.groupInstanceId(),
                    commit.generationId());
        } else if (state != GroupState.EMPTY) {
            error = GroupError.UNKNOWN_MEMBER_ID;
        }
        if (error == GroupError.NONE && state == GroupState.COMPLETING_REBALANCE) {
            error = GroupError.REBALANCE_IN_PROGRESS;
        }
        return error;
    }
}
