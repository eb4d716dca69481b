package io.riverlog.actors.partition;

import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What every behaviour of one {@link PartitionActor} shares, for the actor's whole life: its
 * context and timers, the partition, its settings and metrics, its {@link LogWriter} child, and the
 * blocking-IO dispatcher on which reads below the tail buffer run. Used only by the actor's own thread.
 */
record PartitionWiring(ActorContext<PartitionActor.Command> context, TimerScheduler<PartitionActor.Command> timers,
                       PartitionId id, PartitionSettings settings, PartitionMetrics metrics,
                       ActorRef<LogWriter.Command> writer, Executor blockingIo) {
}
