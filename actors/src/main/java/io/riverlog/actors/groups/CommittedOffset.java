package io.riverlog.actors.groups;

import java.util.Optional;

/**
 * An offset a group committed for one partition: the next record it will read there.
 *
 * @param offset            the committed offset
 * @param leaderEpoch       the leader epoch the client saw with it, or {@link #NO_LEADER_EPOCH}
 * @param metadata          the client's metadata string, if any
 * @param commitTimestampMs when the broker accepted the commit
 */
public record CommittedOffset(long offset, int leaderEpoch, Optional<String> metadata, long commitTimestampMs) {
    public static final int NO_LEADER_EPOCH = -1;

    public CommittedOffset {
        metadata = metadata == null ? Optional.empty() : metadata;
    }
}
