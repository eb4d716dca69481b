package io.riverlog.actors.topics;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.GroupLeaders;
import io.riverlog.actors.cluster.GroupStates;
import io.riverlog.actors.cluster.ReplicatedJournal;

/**
 * Reports the state of each partition group this node leads (its term, itself, its members in sync)
 * to the metadata group whenever it differs from what the metadata group holds, so that nodes outside
 * the group name its leader and in-sync replicas ({@link GroupStates}), as Kafka's partition leaders
 * report changes of their in-sync replicas to the controller. Called every so often ({@link #check});
 * one report per group in flight; a report that fails is made again at a later check.
 */
public final class GroupStateReporter {
    private static final Logger log = LoggerFactory.getLogger(GroupStateReporter.class);

    private final int self;
    private final int groups;
    private final GroupLeaders own;
    private final GroupStates reported;
    private final ReplicatedJournal metadata;
    private final Set<Integer> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param own      the groups as this node's Raft server knows those it is a member of (nothing of the others)
     * @param reported the states the metadata group holds
     * @param metadata the metadata group's journal
     */
    public GroupStateReporter(int self, int groups, GroupLeaders own, GroupStates reported,
                              ReplicatedJournal metadata) {
        this.self = self;
        this.groups = groups;
        this.own = own;
        this.reported = reported;
        this.metadata = metadata;
    }

    /** Reports the state of each group this node leads whose state the metadata group does not hold yet. */
    public void check() {
        for (int group = 0; group < groups; group++) {
            OptionalInt leader = own.leaderOf(group);
            int term = own.epochOf(group);
            Optional<Set<Integer>> inSync = own.inSyncOf(group);
            if (leader.isEmpty() || leader.getAsInt() != self || term == GroupLeaders.NO_EPOCH || inSync.isEmpty()) {
                continue;
            }
            GroupStates.GroupState state = new GroupStates.GroupState(term, self,
                    inSync.get().stream().sorted().toList());
            if (state.equals(reported.of(group).orElse(null)) || !inFlight.add(group)) {
                continue;
            }
            int reporting = group;
            metadata.submit(MetadataEntries.groupState(group, state)).whenComplete((committed, failure) -> {
                inFlight.remove(reporting);
                if (failure != null) {
                    log.debug("Reporting partition group {}'s state failed; it is reported again: {}", reporting,
                            failure.toString());
                }
            });
        }
    }
}
