package io.riverlog.actors.groups.consumer.assign;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.riverlog.actors.partition.PartitionId;

/**
 * Spreads partitions evenly over the members and moves as few as it can. Each member first keeps
 * what it had in the previous assignment (if still subscribed and still existing) up to its fair
 * share: {@code partitions / members}, plus one for as many members as the remainder allows. Then
 * each partition left goes to the subscribed member that owns the fewest so far (ties: the lowest
 * member id). Last, while a member owns two or more partitions more than another member that could
 * take one of them, one moves. When every member has the same subscription, the members' counts
 * differ by at most one.
 */
public final class UniformAssignor implements PartitionAssignor {
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<PartitionId>> assign(AssignmentSpec spec) {
        Map<String, Set<PartitionId>> out = spec.emptyAssignment();
        List<String> members = spec.members();
        if (members.isEmpty()) {
            return out;
        }
        List<PartitionId> all = spec.subscribedPartitions();
        Set<PartitionId> existing = new HashSet<>(all);
        int fairShare = all.size() / members.size();
        int sharesWithOneMore = all.size() % members.size();
        Set<PartitionId> placed = new HashSet<>();
        for (String member : members) {
            List<PartitionId> kept = spec.previous().getOrDefault(member, Set.of()).stream()
                    .filter(p -> existing.contains(p) && spec.isSubscribed(member, p.topic()))
                    .sorted(PartitionOrder.INSTANCE).toList();
            int limit = fairShare;
            if (kept.size() > fairShare && sharesWithOneMore > 0) {
                limit++;
                sharesWithOneMore--;
            }
            for (PartitionId partition : kept.subList(0, Math.min(limit, kept.size()))) {
                out.get(member).add(partition);
                placed.add(partition);
            }
        }
        // Partitions with fewer possible owners first, so that members subscribed to more topics take the rest.
        List<PartitionId> left = new ArrayList<>(all.stream().filter(p -> !placed.contains(p)).toList());
        left.sort(Comparator.comparingLong((PartitionId p) -> subscribers(spec, p.topic()))
                .thenComparing(PartitionOrder.INSTANCE));
        for (PartitionId partition : left) {
            leastLoaded(spec, members, partition, out).ifPresent(m -> out.get(m).add(partition));
        }
        evenOut(spec, members, out);
        return out;
    }

    /**
     * With different subscriptions, keeping and filling can leave a member two or more partitions
     * behind another whose partitions it could take: move such partitions until none is left. Each
     * move lowers the sum of the squared counts, so this ends; with equal subscriptions nothing moves.
     */
    private static void evenOut(AssignmentSpec spec, List<String> members, Map<String, Set<PartitionId>> out) {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (String from : members) {
                for (PartitionId partition : List.copyOf(out.get(from))) {
                    Optional<String> to = leastLoaded(spec, members, partition, out);
                    if (to.isPresent() && out.get(to.get()).size() < out.get(from).size() - 1) {
                        out.get(from).remove(partition);
                        out.get(to.get()).add(partition);
                        moved = true;
                    }
                }
            }
        }
    }

    /** The member subscribed to the partition's topic that owns the fewest partitions (ties: lowest id). */
    private static Optional<String> leastLoaded(AssignmentSpec spec, List<String> members, PartitionId partition,
                                                Map<String, Set<PartitionId>> out) {
        return members.stream().filter(m -> spec.isSubscribed(m, partition.topic()))
                .min(Comparator.comparingInt((String m) -> out.get(m).size()).thenComparing(m -> m));
    }

    private static long subscribers(AssignmentSpec spec, String topic) {
        return spec.subscriptions().values().stream().filter(topics -> topics.contains(topic)).count();
    }
}
