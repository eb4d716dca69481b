package io.riverlog.actors.cluster;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** Moves a partition group's leadership to one of its members (Kafka's ElectLeaders of the preferred leader). */
@FunctionalInterface
public interface LeadershipTransfers {

    /** Done once node {@code nodeId} leads group {@code group}; failed if it does not within {@code timeout}. */
    CompletionStage<Void> transfer(int group, int nodeId, Duration timeout);
}
