/**
 * A cluster's Raft groups on Apache Ratis: the command line's member list
 * ({@link io.riverlog.raft.ClusterSpec}), the settings ({@link io.riverlog.raft.ClusterSettings}), and
 * {@link io.riverlog.raft.RaftNode}, the node's one Raft server, which hosts the metadata group and
 * implements the actor core's {@link io.riverlog.actors.cluster.ReplicatedJournal} and
 * {@link io.riverlog.actors.cluster.ReplicatedStateMachine} ports with it.
 */
package io.riverlog.raft;
