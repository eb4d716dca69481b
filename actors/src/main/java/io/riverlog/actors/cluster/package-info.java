/**
 * What the actor core knows of a cluster, without knowing Raft: the nodes and where each partition
 * and group lives ({@link io.riverlog.actors.cluster.ClusterMembers}, {@link io.riverlog.actors.cluster.Placement}),
 * the nodes' addresses as the metadata group registered them ({@link io.riverlog.actors.cluster.PublishedNodes}),
 * and the two ports a consensus engine plugs into: a {@link io.riverlog.actors.cluster.ReplicatedJournal}
 * that entries are submitted to, and a {@link io.riverlog.actors.cluster.ReplicatedStateMachine} that
 * applies them, in the same order on every node. Module raft implements them with Apache Ratis.
 */
package io.riverlog.actors.cluster;
