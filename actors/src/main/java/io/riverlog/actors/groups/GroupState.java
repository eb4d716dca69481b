package io.riverlog.actors.groups;

/**
 * The states of a classic consumer group, as Kafka names them (ListGroups and DescribeGroups show
 * {@link #displayName()}).
 * <pre>
 *   Empty ──join──▶ PreparingRebalance ──all joined or rebalance timeout──▶ CompletingRebalance
 *     ▲                 ▲        │ (no member left)                               │ leader's SyncGroup
 *     └─────────────────┼────────┘                                                 ▼
 *                       └──────── member joins, leaves or expires ─────────────  Stable
 *   Dead: the group is being deleted; every request is answered COORDINATOR_NOT_AVAILABLE.
 * </pre>
 * A group of the consumer group protocol (KIP-848) is Empty, Assigning (a new target assignment is
 * being computed), Reconciling (some member has not reached the target assignment yet) or Stable.
 */
public enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead"),
    ASSIGNING("Assigning"),
    RECONCILING("Reconciling");

    private final String displayName;

    GroupState(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
