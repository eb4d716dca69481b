package io.riverlog.api.kafka.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaCodecTest;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;

/** The route table, built over a registry and a group manager that are only probes (nothing is asked). */
class KafkaApisTest {
    private static ActorTestKit kit;
    private static KafkaApis apis;

    @BeforeAll
    static void build() {
        kit = ActorTestKit.create();
        Config config = ConfigFactory.load();
        Duration timeout = Duration.ofSeconds(10);
        apis = KafkaApis.create(
                new BrokerTopics(kit.<TopicRegistry.Command>createTestProbe().ref(), kit.scheduler(), timeout),
                new BrokerGroups(kit.<GroupManager.Command>createTestProbe().ref(), kit.scheduler(), timeout),
                new LogDirectory(Path.of(config.getString("riverlog.data-dir")), Runnable::run),
                KafkaSettings.fromConfig(config), PartitionSettings.fromConfig(config), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void theCodecIsTestedOverEveryApiTheRouteTableServes() {
        assertThat(apis.served().keySet()).containsExactlyInAnyOrderElementsOf(KafkaCodecTest.SERVED);
    }
}
