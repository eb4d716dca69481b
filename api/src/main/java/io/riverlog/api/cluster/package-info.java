/**
 * What the nodes of a cluster serve each other over HTTP, beside the consensus engine's own traffic: a
 * partition group's state (its replicas' segments and its committed offsets) copied to a member that
 * needs entries the group's leader purged ({@link io.riverlog.api.cluster.GroupSnapshotRoutes} on the
 * node copied from, {@link io.riverlog.api.cluster.GroupSnapshotInstaller} on the node copying).
 */
package io.riverlog.api.cluster;
