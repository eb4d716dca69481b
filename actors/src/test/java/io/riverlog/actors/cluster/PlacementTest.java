package io.riverlog.actors.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * Where partition groups are: their first members from the member list, then wherever their moves
 * took them; a node hosts a group's replicas while it is a member, and while a move under way takes
 * the group to it or away from it.
 */
class PlacementTest {
    private static final List<Integer> NODES = List.of(1, 2, 3, 4);

    private static Placement placementOf(int self, GroupMembers moved) {
        return new Placement(new ClusterMembers(self, NODES, true), NODES.size(), group -> OptionalInt.empty(), moved);
    }

    @Test
    void groupsStartOnConsecutiveNodesWithThePreferredLeaderFirst() {
        Placement placement = placementOf(1, new GroupMembers());
        assertThat(placement.replicasOfGroup(0)).containsExactly(1, 2, 3);
        assertThat(placement.replicasOfGroup(3)).containsExactly(4, 1, 2);
        assertThat(placement.hostsGroup(1)).as("group 1 is on nodes 2, 3, 4").isFalse();
        assertThat(placement.targetOfGroup(0)).isEmpty();
    }

    @Test
    void aMoveUnderWayIsHostedByBothEndsAndItsEndMakesTheTargetTheMembers() {
        GroupMembers moved = new GroupMembers();
        Placement one = placementOf(1, moved);
        Placement four = placementOf(4, moved);
        UUID topic = UUID.randomUUID();
        int partition = java.util.stream.IntStream.range(0, 8).filter(p -> one.groupOf(topic, p) == 0).findFirst()
                .orElseThrow();

        moved.moving(0, one.replicasOfGroup(0), List.of(4, 2, 3));
        assertThat(one.replicasOfGroup(0)).as("members until the move is over").containsExactly(1, 2, 3);
        assertThat(one.targetOfGroup(0)).contains(List.of(4, 2, 3));
        assertThat(one.hostsReplica(topic, partition)).as("the node the move takes the group from").isTrue();
        assertThat(four.hostsReplica(topic, partition)).as("the node the move takes the group to").isTrue();
        assertThat(four.replicasOf(topic, partition)).as("as Kafka lists a partition being reassigned")
                .containsExactly(4, 2, 3, 1);

        moved.moving(0, one.replicasOfGroup(0), List.of(2, 3, 4));
        moved.moved(0, List.of(4, 2, 3));
        assertThat(one.replicasOfGroup(0)).containsExactly(4, 2, 3);
        assertThat(one.targetOfGroup(0)).as("a later target stays under way").contains(List.of(2, 3, 4));

        moved.moved(0, List.of(2, 3, 4));
        assertThat(one.targetOfGroup(0)).isEmpty();
        assertThat(one.hostsReplica(topic, partition)).isFalse();
        assertThat(four.replicasOf(topic, partition)).containsExactly(2, 3, 4);
    }

    @Test
    void replicaAssignmentsThatFollowTheGroupsFromSomeGroupOnPickThatGroupForPartitionZero() {
        Placement placement = placementOf(1, new GroupMembers());
        // Groups on nodes 1-4: g0 [1, 2, 3], g1 [2, 3, 4], g2 [3, 4, 1], g3 [4, 1, 2].
        assertThat(placement.firstGroupFor(List.of(List.of(3, 1, 4), List.of(4, 2, 1)))).as("g2 then g3, others"
                + " in any order").isEqualTo(OptionalInt.of(2));
        assertThat(placement.firstGroupFor(List.of(List.of(4, 1, 2), List.of(1, 2, 3)))).as("wrapping")
                .isEqualTo(OptionalInt.of(3));
        assertThat(placement.firstGroupFor(List.of(List.of(1, 2, 3), List.of(1, 2, 3))))
                .as("two partitions led by node 1 are not in consecutive groups").isEmpty();
        assertThat(placement.firstGroupFor(List.of(List.of(2, 1, 3)))).as("the preferred leader counts").isEmpty();
        assertThat(placement.describeGroups()).isEqualTo("g0 [1, 2, 3], g1 [2, 3, 4], g2 [3, 4, 1], g3 [4, 1, 2]");

        UUID topic = UUID.randomUUID();
        int group = placement.groupOf(topic, 2);
        assertThat(placement.misfits(topic, 2, List.of(placement.replicasOfGroup(group),
                placement.replicasOfGroup(group)))).as("partition 3 goes to the group after partition 2's")
                .containsExactly(3);
    }

    @Test
    void onASingleNodeOnlyThatNodeFits() {
        Placement single = new Placement(ClusterMembers.single(5));
        assertThat(single.firstGroupFor(List.of(List.of(5), List.of(5)))).isEqualTo(OptionalInt.of(0));
        assertThat(single.firstGroupFor(List.of(List.of(6)))).isEmpty();
    }
}
