package io.riverlog.actors.groups;

/**
 * The outcome of a group request. The Kafka adapter maps each to the error code Kafka clients know
 * how to handle (most have a Kafka code of the same name).
 */
public enum GroupError {
    NONE,
    /** The member is not (or no longer) in the group: it must join again with an empty member id. */
    UNKNOWN_MEMBER_ID,
    /** The request names a generation other than the group's current one. */
    ILLEGAL_GENERATION,
    /** The group is rebalancing: the member must join again. */
    REBALANCE_IN_PROGRESS,
    /** The member's protocol type or protocols do not match the group's. */
    INCONSISTENT_GROUP_PROTOCOL,
    /** The group id is empty. */
    INVALID_GROUP_ID,
    /** The session timeout asked for is outside riverlog.groups.min/max-session-timeout. */
    INVALID_SESSION_TIMEOUT,
    /** A new member got its member id and must join again with it (JoinGroup v4 and later). */
    MEMBER_ID_REQUIRED,
    /** Another member took over this member's group instance id (static membership). */
    FENCED_INSTANCE_ID,
    /** No such group. */
    GROUP_ID_NOT_FOUND,
    /** The group has members, so it cannot be deleted. */
    NON_EMPTY_GROUP,
    /** The members of the group are subscribed to the topic, so its offsets cannot be deleted. */
    GROUP_SUBSCRIBED_TO_TOPIC,
    /** The committed offsets are still being replayed at start. */
    COORDINATOR_LOAD_IN_PROGRESS,
    /** The group is being deleted or the coordinator is stopping: find the coordinator and try again. */
    COORDINATOR_NOT_AVAILABLE,
    /** In a cluster: another node coordinates this group; the client finds it again with FindCoordinator. */
    NOT_COORDINATOR,
    /** The metadata of a committed offset is larger than riverlog.groups.max-offset-metadata-bytes. */
    OFFSET_METADATA_TOO_LARGE,
    /**
     * Writing the offsets log failed, and it was cut back to its last acknowledged write (or still
     * cannot be, and the change was refused unwritten): the change is not in effect and never will be.
     */
    STORAGE_ERROR,
    /**
     * Writing the offsets log failed and cutting it back failed too: the change is not in effect now,
     * but may be after the next start. The cut-back is tried again before the next write.
     */
    OUTCOME_UNKNOWN,
    /** Consumer group protocol: the member's epoch is not the one the group knows; it must rejoin with epoch 0. */
    FENCED_MEMBER_EPOCH,
    /** Consumer group protocol: an offset commit or fetch names an epoch other than the member's current one. */
    STALE_MEMBER_EPOCH,
    /** Consumer group protocol: the member asked for a server-side assignor the broker does not offer. */
    UNSUPPORTED_ASSIGNOR,
    /** Consumer group protocol: another member still holds the static member's instance id. */
    UNRELEASED_INSTANCE_ID,
    /** The request breaks the protocol's rules (a heartbeat without what its epoch requires). */
    INVALID_REQUEST,
    /** Consumer group protocol: the subscribed topic regex does not compile. */
    INVALID_REGULAR_EXPRESSION
}
