package io.riverlog.actors.partition;

import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What every behaviour of one {@link PartitionActor} shares, for the actor's whole life: its
 * context and timers, the partition, its settings and metrics, its {@link LogWriter} child, the
 * blocking-IO dispatcher on which reads below the tail buffer run, and the append rules its topic's
 * configs give now. Used only by the actor's own thread.
 */
record PartitionWiring(ActorContext<PartitionActor.Command> context, TimerScheduler<PartitionActor.Command> timers,
                       PartitionId id, PartitionSettings settings, PartitionMetrics metrics,
                       ActorRef<LogWriter.Command> writer, Executor blockingIo, CurrentRules rules) {

    PartitionWiring(ActorContext<PartitionActor.Command> context, TimerScheduler<PartitionActor.Command> timers,
                    PartitionId id, PartitionSettings settings, PartitionMetrics metrics,
                    ActorRef<LogWriter.Command> writer, Executor blockingIo) {
        this(context, timers, id, settings, metrics, writer, blockingIo, new CurrentRules(settings.appendPolicy()));
    }

    /** The append rules in force: the topic's configs may change them while the partition runs. */
    static final class CurrentRules {
        private AppendPolicy appends;

        CurrentRules(AppendPolicy appends) {
            this.appends = appends;
        }

        AppendPolicy appends() {
            return appends;
        }
    }

    /** Takes the topic's new configs: the append rules here, the log settings in the writer. */
    void reconfigure(PartitionActor.Reconfigure reconfigure) {
        rules.appends = reconfigure.appends();
        writer.tell(new LogWriter.Reconfigure(reconfigure.log()));
    }
}
