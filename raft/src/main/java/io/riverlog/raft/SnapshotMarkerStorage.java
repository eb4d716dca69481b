package io.riverlog.raft;

import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Where a group's snapshot markers live: Ratis' single-file storage, without its race on a member's
 * first snapshot. Until a member has a snapshot, Ratis looks for one on disk each time it checks an
 * append from its leader; when that search finds none while this member records its first snapshot,
 * Ratis 3.3.0 throws from the check (it compares the nothing found with the snapshot just recorded).
 * The throw skips the bookkeeping that tells the member's election timer the append is over, so the
 * member never stood for election in that group again. Were it the group's preferred leader (the
 * highest priority), no other member could win either, since Ratis' voters refuse a candidate of
 * lower priority whose log is no longer than theirs: a rolling restart saw a group stay leaderless for
 * two minutes. Here a search that finds nothing leaves whatever was recorded meanwhile.
 */
final class SnapshotMarkerStorage extends SimpleStateMachineStorage {
    private volatile SingleFileSnapshotInfo recorded;

    @Override
    public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
        if (info == null) {
            return recorded;
        }
        SingleFileSnapshotInfo latest = super.updateLatestSnapshot(info);
        recorded = latest;
        return latest;
    }
}
