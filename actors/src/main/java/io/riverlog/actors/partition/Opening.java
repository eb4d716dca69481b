package io.riverlog.actors.partition;

import java.util.ArrayList;
import java.util.List;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

import io.riverlog.actors.partition.PartitionActor.Availability;
import io.riverlog.actors.partition.PartitionActor.Command;
import io.riverlog.actors.partition.PartitionActor.LogOpenFailed;
import io.riverlog.actors.partition.PartitionActor.LogOpened;
import io.riverlog.actors.partition.PartitionActor.Refusal;
import io.riverlog.actors.partition.PartitionActor.Request;
import io.riverlog.actors.partition.PartitionActor.Scrub;
import io.riverlog.actors.partition.PartitionActor.Stop;

/**
 * A partition whose writer is opening (recovering) its log. Commands wait in the stash, bounded by
 * {@code pending-while-opening}; past it, requests are refused as {@link Availability#OPENING} (the
 * client may retry) and stops wait until the stash is replayed. A {@link Scrub} is refused at once:
 * the scrubber moves on to the next partition instead of waiting for a recovery. Once the log is
 * open the partition is online; if it cannot be opened, {@link Offline}.
 */
final class Opening {
    private Opening() {
    }

    static Behavior<Command> start(PartitionWiring wiring, StashBuffer<Command> stash) {
        Refusal stillOpening = new Refusal(wiring.id(), Availability.OPENING,
                "partition " + wiring.id() + " is still opening");
        List<Stop> stopsPastTheStash = new ArrayList<>();
        return Behaviors.receive(Command.class)
                .onMessage(LogOpened.class, opened -> leave(wiring, stash, stopsPastTheStash,
                        PartitionActor.online(wiring, new ReadPath(wiring, opened.log()), opened.producers())))
                .onMessage(LogOpenFailed.class, failed -> leave(wiring, stash, stopsPastTheStash,
                        Offline.logNotOpened(wiring, failed.cause())))
                .onSignal(Terminated.class, writerGone -> leave(wiring, stash, stopsPastTheStash,
                        Offline.writerStoppedWhileOpening(wiring)))
                .onMessage(Scrub.class, scrub -> {
                    scrub.fail(stillOpening);
                    return Behaviors.same();
                })
                .onMessage(PartitionActor.Reconfigure.class, reconfigure -> {
                    wiring.reconfigure(reconfigure);
                    return Behaviors.same();
                })
                .onMessage(Request.class, request -> {
                    if (stash.isFull()) {
                        request.fail(stillOpening);
                    } else {
                        stash.stash(request);
                    }
                    return Behaviors.same();
                })
                .onMessage(Stop.class, stop -> {
                    if (stash.isFull()) {
                        stopsPastTheStash.add(stop);
                    } else {
                        stash.stash(stop);
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private static Behavior<Command> leave(PartitionWiring wiring, StashBuffer<Command> stash,
                                           List<Stop> stopsPastTheStash, Behavior<Command> next) {
        // Sent to itself, they arrive after the stash is replayed: they came after it had filled up.
        stopsPastTheStash.forEach(wiring.context().getSelf()::tell);
        return stash.unstashAll(next);
    }
}
