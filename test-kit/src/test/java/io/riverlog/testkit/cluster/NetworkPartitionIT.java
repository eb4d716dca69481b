package io.riverlog.testkit.cluster;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 3 of the cluster's proof on three nodes: a partition's leader cut off from the other two by a
 * network partition during an acks=all stream ({@link LeaderCutOff} says what is checked). The same on
 * five nodes runs with {@code -Pvolume} ({@link FiveNodeClusterIT}).
 */
class NetworkPartitionIT {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aLeaderCutOffFromTheOthersServesNothingUncommittedAndLosesNothingAcknowledged() throws Exception {
        LeaderCutOff.check(dir, 3, List.of());
    }
}
