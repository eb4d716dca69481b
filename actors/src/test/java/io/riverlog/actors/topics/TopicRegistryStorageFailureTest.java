package io.riverlog.actors.topics;

import io.riverlog.wal.FaultInjectingChannels;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

/** A metadata log whose fsync fails: changes are refused, and nothing unacknowledged is in effect. */
class TopicRegistryStorageFailureTest {
    @TempDir
    Path dataDir;

    @Test
    void failedFsyncOfTheMetadataLogAnswersStorageErrorAndLeavesTheTopicsAsTheyWere() {
        FaultInjectingChannels failing = new FaultInjectingChannels(dataDir.resolve(RegistrySettings.METADATA_DIR));
        ActorTestKit kit = ActorTestKit.create(ConfigFactory.load());
        try {
            RegistryRun run = RegistryRun.start(kit, dataDir,
                    failing);
            TopicInfo kept = run.create("kept", 1);
            failing.failFsyncs();

            TopicRegistry.CreateTopicReply created = run.tryCreate("refused", 2, Map.of());
            TopicRegistry.DeleteTopicReply deleted = run.delete("kept");

            assertThat(created).isInstanceOf(TopicRegistry.CreateTopicFailed.class);
            assertThat(((TopicRegistry.CreateTopicFailed) created).error()).isEqualTo(TopicError.STORAGE_ERROR);
            assertThat(deleted).isInstanceOf(TopicRegistry.DeleteTopicFailed.class);
            assertThat(((TopicRegistry.DeleteTopicFailed) deleted).error()).isEqualTo(TopicError.STORAGE_ERROR);
            assertThat(run.list()).containsExactly(kept);
            assertThat(run.partition("refused", 0)).isEmpty();
            assertThat(run.append("kept", 0, "still-served").baseOffset()).isZero();
            run.shutdown();
        } finally {
            kit.shutdownTestKit();
        }
    }
}
