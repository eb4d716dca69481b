package io.riverlog.api.cluster;

import io.riverlog.actors.replica.GroupSnapshot;

/**
 * What {@code GET /cluster/v1/groups/{g}/snapshot} answers, as JSON: the group's snapshot (its point
 * and each partition's replica) and the committed offsets of the consumer groups it coordinates, as
 * one offsets entry (base64 in JSON).
 */
record GroupSnapshotOffer(GroupSnapshot snapshot, byte[] offsets) {
}
