package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.cluster.ClusterMembers;
import io.riverlog.actors.cluster.GroupLeaders;
import io.riverlog.actors.cluster.GroupStates;
import io.riverlog.actors.cluster.Placement;
import io.riverlog.actors.cluster.PublishedNodes;
import io.riverlog.actors.cluster.ReplicatedJournal;

/**
 * A partition group's leader reports the group's state through the metadata group, and a node outside
 * the group learns it there: once per change, never a state it does not lead in, one report in flight,
 * and a report of an older term never replaces a newer one.
 */
class GroupStateReporterTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());
    private static final List<Integer> NODES = List.of(1, 2, 3, 4, 5);
    private static final int GROUPS = 5;

    private final InMemoryMetadataGroup group = new InMemoryMetadataGroup();
    private final AtomicInteger submitted = new AtomicInteger();
    private final ReplicatedJournal counted = entry -> {
        submitted.incrementAndGet();
        return group.journal().submit(entry);
    };

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    /** What one node's Raft server says of the groups it is a member of. */
    private static final class OwnGroups implements GroupLeaders {
        private final Map<Integer, Integer> leaders = new ConcurrentHashMap<>();
        private final Map<Integer, Integer> terms = new ConcurrentHashMap<>();
        private final Map<Integer, Set<Integer>> inSync = new ConcurrentHashMap<>();

        void set(int group, int leader, int term, Set<Integer> members) {
            leaders.put(group, leader);
            terms.put(group, term);
            inSync.put(group, members);
        }

        @Override
        public OptionalInt leaderOf(int group) {
            Integer leader = leaders.get(group);
            return leader == null ? OptionalInt.empty() : OptionalInt.of(leader);
        }

        @Override
        public int epochOf(int group) {
            return terms.getOrDefault(group, NO_EPOCH);
        }

        @Override
        public Optional<Set<Integer>> inSyncOf(int group) {
            return Optional.ofNullable(inSync.get(group));
        }
    }

    private Placement node(int self) {
        Placement placement = new Placement(new ClusterMembers(self, NODES, true), GROUPS, g -> OptionalInt.empty());
        group.join(new MetadataStateMachine(KIT.createTestProbe(TopicRegistry.Command.class).getRef(),
                new PublishedNodes(), placement));
        return placement;
    }

    @Test
    void aLeadersReportsReachNodesOutsideItsGroupOncePerChange() {
        Placement one = node(1);
        Placement outside = node(5);
        OwnGroups own = new OwnGroups();
        GroupStateReporter reporter = new GroupStateReporter(1, GROUPS, own, one.reported(), counted);
        own.set(0, 1, 7, Set.of(3, 1, 2));
        own.set(1, 2, 7, Set.of(1, 2, 3));

        reporter.check();
        reporter.check();

        assertThat(outside.reported().of(0)).contains(new GroupStates.GroupState(7, 1, List.of(1, 2, 3)));
        assertThat(outside.reported().of(1)).as("led by another node").isEmpty();
        assertThat(submitted).as("reports").hasValue(1);

        own.set(0, 1, 7, Set.of(1, 3));
        reporter.check();
        assertThat(outside.reported().of(0)).contains(new GroupStates.GroupState(7, 1, List.of(1, 3)));
        assertThat(submitted).as("reports").hasValue(2);
    }

    @Test
    void aReportOfAnOlderTermNeverReplacesANewerOne() {
        Placement outside = node(5);
        OwnGroups newer = new OwnGroups();
        OwnGroups older = new OwnGroups();
        newer.set(0, 2, 8, Set.of(2, 3));
        older.set(0, 1, 7, Set.of(1, 2, 3));

        new GroupStateReporter(2, GROUPS, newer, node(2).reported(), counted).check();
        // The old leader, cut off meanwhile, still believes it leads: its report commits after the new one's.
        new GroupStateReporter(1, GROUPS, older, node(1).reported(), counted).check();

        assertThat(submitted).hasValue(2);
        assertThat(outside.reported().of(0)).contains(new GroupStates.GroupState(8, 2, List.of(2, 3)));
    }

    @Test
    void oneReportPerGroupIsInFlight() {
        Placement one = node(1);
        OwnGroups own = new OwnGroups();
        GroupStateReporter reporter = new GroupStateReporter(1, GROUPS, own, one.reported(), counted);
        own.set(0, 1, 7, Set.of(1, 2, 3));
        group.holding(true);

        reporter.check();
        reporter.check();

        assertThat(group.held()).as("reports waiting for a commit").isEqualTo(1);
    }
}
