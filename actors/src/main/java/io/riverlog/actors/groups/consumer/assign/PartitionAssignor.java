package io.riverlog.actors.groups.consumer.assign;

import java.util.Map;
import java.util.Set;

import io.riverlog.actors.partition.PartitionId;

/**
 * A server-side assignor of the consumer group protocol: given the members' subscriptions and the
 * topics' partitions, which partitions each member should own (the group's target assignment).
 * Every partition of a subscribed topic goes to exactly one member subscribed to it. Pure and
 * deterministic: the same spec always gives the same assignment.
 */
public interface PartitionAssignor {

    /** The name clients ask for in {@code group.remote.assignor}. */
    String name();

    /** Every member of the spec, with its partitions (possibly none). */
    Map<String, Set<PartitionId>> assign(AssignmentSpec spec);
}
