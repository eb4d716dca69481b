package io.riverlog.actors.groups.consumer.assign;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import io.riverlog.actors.partition.PartitionId;

/**
 * Both server-side assignors over random groups: every subscribed partition goes to exactly one
 * member subscribed to its topic; uniform keeps the counts within one of each other when everyone has
 * the same subscription (and then keeps partitions where they were when nothing changed), and never
 * leaves a member two behind one whose partitions it could take; range gives each
 * member of a topic a contiguous range, larger ranges first.
 */
class AssignorPropertiesTest {
    private static final List<String> TOPICS = List.of("a", "b", "c", "d");

    @Property(tries = 200)
    void everySubscribedPartitionIsAssignedExactlyOnceToASubscriber(@ForAll("groups") AssignmentSpec spec,
                                                                    @ForAll("assignors") PartitionAssignor assignor) {
        Map<String, Set<PartitionId>> assignment = assignor.assign(spec);
        assertThat(assignment.keySet()).containsExactlyInAnyOrderElementsOf(spec.members());
        Map<PartitionId, Integer> owners = new HashMap<>();
        assignment.forEach((member, partitions) -> partitions.forEach(p -> {
            owners.merge(p, 1, Integer::sum);
            assertThat(spec.isSubscribed(member, p.topic())).as("%s subscribed to %s", member, p.topic()).isTrue();
        }));
        assertThat(owners.keySet()).containsExactlyInAnyOrderElementsOf(spec.subscribedPartitions());
        assertThat(owners.values()).allMatch(count -> count == 1);
    }

    @Property(tries = 200)
    void uniformKeepsMembersWithTheSameSubscriptionWithinOneOfEachOther(
            @ForAll("sameSubscription") AssignmentSpec spec) {
        IntSummaryStatistics counts = new UniformAssignor().assign(spec).values().stream().mapToInt(Set::size)
                .summaryStatistics();
        assertThat(counts.getMax() - counts.getMin()).isLessThanOrEqualTo(1);
    }

    @Property(tries = 200)
    void uniformLeavesNoMemberTwoBehindAnotherWhosePartitionsItCouldTake(@ForAll("groups") AssignmentSpec spec) {
        Map<String, Set<PartitionId>> assignment = new UniformAssignor().assign(spec);
        assignment.forEach((owner, partitions) -> partitions.forEach(p -> spec.members().stream()
                .filter(m -> spec.isSubscribed(m, p.topic()))
                .forEach(m -> assertThat(assignment.get(m).size()).as("%s could take %s from %s", m, p, owner)
                        .isGreaterThanOrEqualTo(partitions.size() - 1))));
    }

    @Property(tries = 200)
    void uniformMovesNothingWhenNothingChanged(@ForAll("sameSubscription") AssignmentSpec spec) {
        UniformAssignor uniform = new UniformAssignor();
        Map<String, Set<PartitionId>> first = uniform.assign(spec);
        AssignmentSpec again = new AssignmentSpec(spec.subscriptions(), spec.partitionCounts(), first);
        assertThat(uniform.assign(again)).isEqualTo(first);
    }

    @Property(tries = 200)
    void rangeGivesEachSubscriberOfATopicAContiguousRangeLargerOnesFirst(@ForAll("groups") AssignmentSpec spec) {
        Map<String, Set<PartitionId>> assignment = new RangeAssignor().assign(spec);
        spec.partitionCounts().forEach((topic, count) -> {
            List<String> subscribers = spec.members().stream().filter(m -> spec.isSubscribed(m, topic)).sorted()
                    .toList();
            int next = 0;
            int previousSize = Integer.MAX_VALUE;
            for (String member : subscribers) {
                List<Integer> mine = assignment.get(member).stream().filter(p -> p.topic().equals(topic))
                        .map(PartitionId::partition).sorted().toList();
                assertThat(mine.size()).isLessThanOrEqualTo(previousSize)
                        .isBetween(count / subscribers.size(), count / subscribers.size() + 1);
                for (int partition : mine) {
                    assertThat(partition).as("%s's range of %s", member, topic).isEqualTo(next++);
                }
                previousSize = mine.size();
            }
        });
    }

    @Provide
    Arbitrary<PartitionAssignor> assignors() {
        return Arbitraries.of(new UniformAssignor(), new RangeAssignor());
    }

    @Provide
    Arbitrary<AssignmentSpec> groups() {
        Arbitrary<Map<String, Integer>> counts = Arbitraries.maps(Arbitraries.of(TOPICS),
                Arbitraries.integers().between(0, 12)).ofMaxSize(TOPICS.size());
        Arbitrary<Map<String, Set<String>>> subscriptions = Arbitraries.maps(
                Arbitraries.strings().alpha().ofLength(4),
                Arbitraries.subsetOf(TOPICS).ofMinSize(1)).ofMinSize(1).ofMaxSize(8);
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(subscriptions, counts, seeds).as(AssignorPropertiesTest::withRandomPrevious);
    }

    @Provide
    Arbitrary<AssignmentSpec> sameSubscription() {
        Arbitrary<Map<String, Integer>> counts = Arbitraries.maps(Arbitraries.of(TOPICS),
                Arbitraries.integers().between(0, 12)).ofMaxSize(TOPICS.size());
        Arbitrary<Set<String>> topics = Arbitraries.subsetOf(TOPICS).ofMinSize(1);
        Arbitrary<Set<String>> members = Arbitraries.strings().alpha().ofLength(4).set().ofMinSize(1).ofMaxSize(8);
        return Combinators.combine(members, topics, counts, Arbitraries.longs())
                .as((ids, subscribed, partitions, seed) -> {
                    Map<String, Set<String>> subscriptions = new TreeMap<>();
                    ids.forEach(id -> subscriptions.put(id, subscribed));
                    return withRandomPrevious(subscriptions, partitions, seed);
                });
    }

    /**
     * The spec, with a previous assignment made of partitions scattered over the members (as left by
     * members that came and went, or by topics that shrank): any partition, to anyone.
     */
    private static AssignmentSpec withRandomPrevious(Map<String, Set<String>> subscriptions,
                                                     Map<String, Integer> partitionCounts, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<String> members = new ArrayList<>(new TreeSet<>(subscriptions.keySet()));
        Map<String, Set<PartitionId>> previous = new HashMap<>();
        for (String topic : TOPICS) {
            for (int p = 0; p < partitionCounts.getOrDefault(topic, 0) + 2; p++) {
                if (random.nextInt(3) > 0) {
                    previous.computeIfAbsent(members.get(random.nextInt(members.size())), m -> new TreeSet<>(
                            PartitionOrder.INSTANCE)).add(new PartitionId(topic, p));
                }
            }
        }
        return new AssignmentSpec(subscriptions, partitionCounts, previous);
    }
}
