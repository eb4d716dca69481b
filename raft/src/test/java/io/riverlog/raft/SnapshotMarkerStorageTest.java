package io.riverlog.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.junit.jupiter.api.Test;

/**
 * The interleaving behind a group left without a leader: Ratis searches the disk for a member's
 * first snapshot and finds none ({@code updateLatestSnapshot(null)}, from its {@code loadLatestSnapshot})
 * just after the member recorded one.
 */
class SnapshotMarkerStorageTest {
    private static final SingleFileSnapshotInfo RECORDED = new SingleFileSnapshotInfo(
            new FileInfo(Path.of("snapshot.2_458"), null), 2, 458);

    @Test
    void aSearchThatFindsNothingAfterASnapshotWasRecordedLeavesIt() {
        SnapshotMarkerStorage storage = new SnapshotMarkerStorage();
        storage.updateLatestSnapshot(RECORDED);

        assertThat(storage.updateLatestSnapshot(null)).isSameAs(RECORDED);
        assertThat(storage.getLatestSnapshot()).isSameAs(RECORDED);
    }

    @Test
    void aSearchThatFindsNothingBeforeAnySnapshotFindsNone() {
        assertThat(new SnapshotMarkerStorage().updateLatestSnapshot(null)).isNull();
    }

    @Test
    void aNewerSnapshotReplacesAnOlderOneAndNotTheOtherWayRound() {
        SnapshotMarkerStorage storage = new SnapshotMarkerStorage();
        SingleFileSnapshotInfo newer = new SingleFileSnapshotInfo(new FileInfo(Path.of("snapshot.2_490"), null), 2,
                490);
        storage.updateLatestSnapshot(RECORDED);
        assertThat(storage.updateLatestSnapshot(newer)).isSameAs(newer);
        assertThat(storage.updateLatestSnapshot(RECORDED)).isSameAs(newer);
        assertThat(storage.updateLatestSnapshot(null)).isSameAs(newer);
    }

    /** Why the class exists: when Ratis' own storage no longer throws here, it may go. */
    @Test
    void ratisOwnStorageThrowsThere() {
        SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
        storage.updateLatestSnapshot(RECORDED);

        assertThatThrownBy(() -> storage.updateLatestSnapshot(null)).isInstanceOf(NullPointerException.class);
    }
}
