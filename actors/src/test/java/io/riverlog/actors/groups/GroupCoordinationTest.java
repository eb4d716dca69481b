package io.riverlog.actors.groups;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.consumer.ConsumerGroupSettings;
import io.riverlog.wal.Storage;

/**
 * In a cluster a node coordinates only its share of the groups: a request about another group is
 * answered NOT_COORDINATOR (the client then asks FindCoordinator again), and creates nothing here.
 */
class GroupCoordinationTest {
    private static final ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @Test
    void requestsAboutAGroupAnotherNodeCoordinatesAreAnsweredNotCoordinator() {
        GroupSettings settings = GroupSettings.fromConfig(ConfigFactory.parseMap(
                Map.of("riverlog.data-dir", dataDir.toString())).withFallback(ConfigFactory.load()));
        ActorRef<GroupManager.Command> manager = kit.spawn(GroupManager.create(settings,
                ConsumerGroupSettings.fromConfig(ConfigFactory.load()), Storage.LOCAL, "mine"::equals));

        TestProbe<GroupRequests.JoinResult> join = kit.createTestProbe();
        join.awaitAssert(WAIT, () -> {
            manager.tell(new GroupRequests.JoinGroup("theirs", "", Optional.empty(), "client", "/127.0.0.1", 10_000,
                    10_000, "consumer", List.of(new GroupRequests.Protocol("range", new byte[0])), false, "",
                    join.ref()));
            assertThat(join.receiveMessage(WAIT).error()).isEqualTo(GroupError.NOT_COORDINATOR);
            return null;
        });
        TestProbe<GroupRequests.FetchResult> fetch = kit.createTestProbe();
        manager.tell(new GroupRequests.FetchOffsets("theirs", Optional.empty(), Optional.empty(),
                GroupRequests.FetchOffsets.NO_MEMBER_EPOCH, fetch.ref()));
        assertThat(fetch.receiveMessage(WAIT).error()).isEqualTo(GroupError.NOT_COORDINATOR);

        manager.tell(new GroupRequests.FetchOffsets("mine", Optional.empty(), Optional.empty(),
                GroupRequests.FetchOffsets.NO_MEMBER_EPOCH, fetch.ref()));
        assertThat(fetch.receiveMessage(WAIT).error()).isEqualTo(GroupError.NONE);
        TestProbe<GroupRequests.GroupListing> listing = kit.createTestProbe();
        manager.tell(new GroupRequests.ListGroups(listing.ref()));
        assertThat(listing.receiveMessage(WAIT).groups()).isEmpty();
    }
}
