package io.riverlog.streams;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import io.riverlog.actors.partition.PartitionActor;

/**
 * Stands between a stream and its partition: forwards every command, counts the reads not yet
 * answered (and the most there ever were at once), and shows each read to an observer.
 */
final class ReadCountingProxy {
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    Behavior<PartitionActor.Command> behavior(ActorRef<PartitionActor.Command> partition,
                                              ActorRef<PartitionActor.Read> observer) {
        return Behaviors.setup(context -> Behaviors.receive(PartitionActor.Command.class)
                .onMessage(PartitionActor.Read.class, read -> {
                    reads.incrementAndGet();
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    ActorRef<PartitionActor.ReadReply> relay = context.spawnAnonymous(relay(read.replyTo()));
                    partition.tell(new PartitionActor.Read(read.offset(), read.maxBytes(), read.maxWait(), relay));
                    observer.tell(read);
                    return Behaviors.same();
                })
                .onAnyMessage(command -> {
                    partition.tell(command);
                    return Behaviors.same();
                })
                .build());
    }

    /** Counts the answer before passing it on, so the stream's next read finds the count current. */
    private Behavior<PartitionActor.ReadReply> relay(ActorRef<PartitionActor.ReadReply> replyTo) {
        return Behaviors.receive(PartitionActor.ReadReply.class)
                .onAnyMessage(reply -> {
                    inFlight.decrementAndGet();
                    replyTo.tell(reply);
                    return Behaviors.stopped();
                })
                .build();
    }
}
