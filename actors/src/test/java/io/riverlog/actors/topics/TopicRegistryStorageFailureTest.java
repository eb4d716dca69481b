package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.wal.FaultInjectingChannels;
import io.riverlog.wal.Storage;

/**
 * A metadata log whose fsync fails: a refused change is not in effect, neither now nor after the
 * registry is stopped and started again on the same directory, because the log is cut back before
 * the refusal is answered; if the cut-back fails too, the answer says the outcome is unknown.
 */
class TopicRegistryStorageFailureTest {
    @TempDir
    Path dataDir;
    private FaultInjectingChannels failing;
    private ActorTestKit kit;

    @BeforeEach
    void startKit() {
        failing = new FaultInjectingChannels(dataDir.resolve(RegistrySettings.METADATA_DIR));
        kit = ActorTestKit.create(ConfigFactory.load());
    }

    @AfterEach
    void stopKit() {
        kit.shutdownTestKit();
    }

    @Test
    void failedFsyncOfTheMetadataLogAnswersStorageErrorAndLeavesTheTopicsAsTheyWere() {
        RegistryRun run = RegistryRun.start(kit, dataDir, failing);
        TopicInfo kept = run.create("kept", 1);
        failing.failNextFsyncs(1);
        TopicRegistry.ChangeReply created = run.tryCreate("refused", 2, Map.of());
        failing.failNextFsyncs(1);
        TopicRegistry.ChangeReply deleted = run.delete("kept");

        assertThat(created).isInstanceOf(TopicRegistry.ChangeFailed.class);
        assertThat(((TopicRegistry.ChangeFailed) created).error()).isEqualTo(TopicError.STORAGE_ERROR);
        assertThat(deleted).isInstanceOf(TopicRegistry.ChangeFailed.class);
        assertThat(((TopicRegistry.ChangeFailed) deleted).error()).isEqualTo(TopicError.STORAGE_ERROR);
        assertThat(run.list()).containsExactly(kept);
        assertThat(run.partition("refused", 0)).isEmpty();
        assertThat(run.append("kept", 0, "still-served").baseOffset()).isZero();
        run.shutdown();
    }

    @Test
    void aDeleteRefusedAfterAFailedFsyncIsNotInEffectAfterARestartAndAChangeAcknowledgedAfterItIs() {
        RegistryRun run = RegistryRun.start(kit, dataDir, failing);
        TopicInfo kept = run.create("kept", 1);
        run.append("kept", 0, "before");
        failing.failNextFsyncs(1);

        TopicRegistry.ChangeReply deleted = run.delete("kept");
        assertThat(deleted).isInstanceOf(TopicRegistry.ChangeFailed.class);
        assertThat(((TopicRegistry.ChangeFailed) deleted).error()).isEqualTo(TopicError.STORAGE_ERROR);
        run.append("kept", 0, "after-the-refusal");
        TopicInfo after = run.create("after", 2);
        run.shutdown();

        RegistryRun restarted = RegistryRun.start(kit, dataDir, Storage.LOCAL);
        assertThat(restarted.list()).containsExactly(after, kept);
        assertThat(restarted.values("kept", 0)).containsExactly("before", "after-the-refusal");
        restarted.shutdown();
    }

    @Test
    void aReservationOfProducerIdsThatCannotBeMadeDurableIsRefusedAndNoLaterBlockOverlapsAnAnsweredOne() {
        RegistryRun run = RegistryRun.start(kit, dataDir, failing);
        TopicRegistry.ProducerIdBlock first = run.reserveProducerIdBlock();
        failing.failNextFsyncs(1);
        TopicRegistry.ProducerIdsReply refused = run.reserveProducerIds();
        failing.failFsyncs();
        TopicRegistry.ProducerIdsReply unknown = run.reserveProducerIds();
        failing.heal();
        TopicRegistry.ProducerIdBlock second = run.reserveProducerIdBlock();
        run.shutdown();
        RegistryRun restarted = RegistryRun.start(kit, dataDir, Storage.LOCAL);
        TopicRegistry.ProducerIdBlock afterRestart = restarted.reserveProducerIdBlock();
        restarted.shutdown();

        assertThat(refused).isInstanceOfSatisfying(TopicRegistry.ProducerIdsRefused.class,
                r -> assertThat(r.error()).isEqualTo(TopicError.STORAGE_ERROR));
        assertThat(unknown).isInstanceOfSatisfying(TopicRegistry.ProducerIdsRefused.class,
                r -> assertThat(r.error()).isEqualTo(TopicError.OUTCOME_UNKNOWN));
        assertThat(second.firstId()).isGreaterThanOrEqualTo(first.endId());
        assertThat(afterRestart.firstId()).isGreaterThanOrEqualTo(second.endId());
    }

    @Test
    void whileTheCutBackFailsTooTheOutcomeIsUnknownAndLaterChangesAreRefusedUntilItSucceeds() {
        RegistryRun run = RegistryRun.start(kit, dataDir, failing);
        TopicInfo kept = run.create("kept", 1);
        failing.failFsyncs();

        TopicRegistry.ChangeReply unknown = run.delete("kept");
        TopicRegistry.ChangeReply refused = run.tryCreate("refused", 1, Map.of());

        assertThat(unknown).isInstanceOf(TopicRegistry.ChangeFailed.class);
        assertThat(((TopicRegistry.ChangeFailed) unknown).error()).isEqualTo(TopicError.OUTCOME_UNKNOWN);
        assertThat(((TopicRegistry.ChangeFailed) unknown).message()).contains("outcome is unknown");
        assertThat(refused).isInstanceOf(TopicRegistry.ChangeFailed.class);
        assertThat(((TopicRegistry.ChangeFailed) refused).error()).isEqualTo(TopicError.STORAGE_ERROR);
        assertThat(run.list()).containsExactly(kept);
        assertThat(run.partition("refused", 0)).isEmpty();

        failing.heal();
        TopicInfo after = run.create("after", 1);
        run.shutdown();

        RegistryRun restarted = RegistryRun.start(kit, dataDir, Storage.LOCAL);
        assertThat(restarted.list()).containsExactly(after, kept);
        restarted.shutdown();
    }
}
