package io.riverlog.testkit.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicError;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.testkit.disk.InMemoryTempDir;
import io.riverlog.testkit.disk.SimulatedDisk;

/**
 * The topic registry on a disk that loses power, and whose metadata fsyncs sometimes fail before
 * that: creates, deletes, partition additions and config changes, some acknowledged, some refused.
 * After every cut the registry loads, every acknowledged change is in effect and no refused one is.
 * (A change answered "outcome unknown", or not answered, may be either.)
 */
class TopicRegistryPowerCutTest {
    private static final String SEED = "riverlog.power-cuts.registry.seed";
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final Duration LOAD_POLL = Duration.ofMillis(500);
    private static final List<String> NAMES = List.of("alpha", "beta", "gamma", "delta");
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.load());

    @TempDir(factory = InMemoryTempDir.class)
    Path tmp;

    @AfterAll
    static void stopKit() {
        KIT.shutdownTestKit();
    }

    @Test
    void acknowledgedTopicChangesSurvivePowerCutsAndRefusedOnesNeverTakeEffect() throws Exception {
        PowerCutRuns.repeat(SEED, 60, this::cutTwice);
    }

    @Tag("volume")
    @Test
    void acknowledgedTopicChangesSurviveManyPowerCuts() throws Exception {
        PowerCutRuns.repeat(SEED, 300, this::cutTwice);
    }

    private int cutTwice(Random random, int index) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("run-" + index));
        RegistrySettings settings = RegistrySettings.fromConfig(config(root));
        SimulatedDisk disk = new SimulatedDisk(root);
        Map<String, TopicShape> model = new HashMap<>();
        Set<String> uncertain = new HashSet<>();
        for (int cut = 0; cut < 2; cut++) {
            disk.cutPowerAfter(random.nextInt(250));
            ActorRef<TopicRegistry.Command> registry =
                    KIT.spawn(TopicRegistry.create(settings, disk, PartitionMetrics.NONE));
            change(registry, disk, random, model, uncertain, settings.metadataDir());
            stop(registry);
            disk = disk.restartAfterPowerCut(random);

            ActorRef<TopicRegistry.Command> reopened =
                    KIT.spawn(TopicRegistry.create(settings, disk, PartitionMetrics.NONE));
            Map<String, TopicShape> found = new HashMap<>();
            for (TopicInfo topic : ask(reopened, TopicRegistry.ListTopics::new).topics()) {
                found.put(topic.name(), TopicShape.of(topic));
            }
            for (String name : NAMES) {
                if (!uncertain.contains(name)) {
                    assertThat(Optional.ofNullable(found.get(name))).as("topic %s after the cut", name)
                            .isEqualTo(Optional.ofNullable(model.get(name)));
                }
            }
            model.clear();
            model.putAll(found);
            uncertain.clear();
            stop(reopened);
        }
        return 2;
    }

    /** Random changes until the power is cut; the model follows what was acknowledged. */
    private static void change(ActorRef<TopicRegistry.Command> registry, SimulatedDisk disk, Random random,
                               Map<String, TopicShape> model, Set<String> uncertain, Path metadataDir) {
        // Loaded first: a failed fsync while loading stops the registry, which is not what this tests.
        if (!loaded(registry, disk)) {
            return;
        }
        for (int i = 0; i < 40 && !disk.powerLost(); i++) {
            if (random.nextInt(6) == 0) {
                disk.failNextForcesOf(path -> path.startsWith(metadataDir), 1);
            }
            String name = NAMES.get(random.nextInt(NAMES.size()));
            int kind = random.nextInt(4);
            TopicRegistry.ChangeReply reply;
            try {
                reply = switch (kind) {
                    case 0 -> ask(registry, r -> new TopicRegistry.CreateTopic(name, 1 + random.nextInt(3),
                            Map.of("retention.ms", Integer.toString(1000 + random.nextInt(1000))), r));
                    case 1 -> ask(registry, r -> new TopicRegistry.DeleteTopic(name, r));
                    case 2 -> ask(registry, r -> new TopicRegistry.CreatePartitions(name, 2 + random.nextInt(4), r));
                    default -> ask(registry, r -> new TopicRegistry.AlterConfigs(name,
                            Map.of("retention.ms", Optional.of(Integer.toString(random.nextInt(5000)))), r));
                };
            } catch (RuntimeException noAnswer) {
                uncertain.add(name);
                continue;
            } finally {
                disk.heal();
            }
            if (reply instanceof TopicRegistry.Changed changed) {
                if (kind == 1) {
                    model.remove(name);
                } else {
                    model.put(name, TopicShape.of(changed.topic()));
                }
            } else if (((TopicRegistry.ChangeFailed) reply).error() == TopicError.OUTCOME_UNKNOWN) {
                uncertain.add(name);
            }
        }
    }

    /** True once the registry answers; false if the power went while it loaded (it then stops). */
    private static boolean loaded(ActorRef<TopicRegistry.Command> registry, SimulatedDisk disk) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                AskPattern.<TopicRegistry.Command, TopicRegistry.Topics>ask(registry, TopicRegistry.ListTopics::new,
                        LOAD_POLL, KIT.scheduler()).toCompletableFuture().join();
                return true;
            } catch (RuntimeException notYet) {
                if (disk.powerLost()) {
                    return false;
                }
            }
        }
        throw new AssertionError("the registry neither loaded nor lost power within " + ANSWER);
    }

    private static void stop(ActorRef<TopicRegistry.Command> registry) {
        try {
            ask(registry, (ActorRef<Done> r) -> new TopicRegistry.Shutdown(r));
        } catch (RuntimeException deadAlready) {
            KIT.stop(registry, ANSWER);
        }
    }

    private static <T> T ask(ActorRef<TopicRegistry.Command> registry,
                             org.apache.pekko.japi.function.Function<ActorRef<T>, TopicRegistry.Command> message) {
        CompletionStage<T> answer = AskPattern.ask(registry, message, ANSWER, KIT.scheduler());
        return answer.toCompletableFuture().join();
    }

    private static Config config(Path root) {
        return ConfigFactory.parseMap(Map.of("riverlog.data-dir", root.toString(),
                        "riverlog.log.segment-bytes", "4KiB"))
                .withFallback(ConfigFactory.load());
    }

    /** What a change decides about a topic (its id is new at every create, so it is left out). */
    private record TopicShape(int partitions, Map<String, String> configs) {
        static TopicShape of(TopicInfo topic) {
            return new TopicShape(topic.partitions(), topic.configs());
        }
    }
}
