package io.riverlog.actors.topics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.riverlog.actors.cluster.GroupHosting;
import io.riverlog.actors.cluster.Placement;

/**
 * The partition groups one test node hosts, with no consensus engine: joining and leaving change a
 * set, this node leads the groups its placement says it leads, and a reconfiguration is recorded
 * and done at once.
 */
final class InMemoryGroupHosting implements GroupHosting {
    private final Placement placement;
    private final Set<Integer> hosted = ConcurrentHashMap.newKeySet();
    /** The last configuration each group was changed to through this node. */
    final Map<Integer, List<Integer>> reconfigured = new ConcurrentHashMap<>();

    InMemoryGroupHosting(Placement placement) {
        this.placement = placement;
        for (int group = 0; group < placement.groups(); group++) {
            if (placement.hostsGroup(group)) {
                hosted.add(group);
            }
        }
    }

    @Override
    public Set<Integer> hosted() {
        return Set.copyOf(hosted);
    }

    @Override
    public CompletionStage<Void> join(int group, List<Integer> members) {
        hosted.add(group);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> leave(int group) {
        hosted.remove(group);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean leads(int group) {
        return hosted.contains(group) && placement.leaderOfGroup(group).orElse(-1) == placement.members().self();
    }

    @Override
    public CompletionStage<Void> reconfigure(int group, List<Integer> members) {
        reconfigured.put(group, members);
        return CompletableFuture.completedFuture(null);
    }
}
