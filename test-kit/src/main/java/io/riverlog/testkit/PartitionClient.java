package io.riverlog.testkit;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionActor.AppendReply;
import io.riverlog.actors.partition.PartitionActor.Appended;
import io.riverlog.actors.partition.PartitionActor.PartitionState;
import io.riverlog.actors.partition.PartitionActor.ReadReply;
import io.riverlog.actors.partition.PartitionActor.Records;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.ValidBatches;

/** Talks to one PartitionActor the way the broker's handlers do, with blocking calls for tests. */
public final class PartitionClient {
    private final ActorRef<PartitionActor.Command> partition;
    private final Scheduler scheduler;
    private final Duration timeout;

    public PartitionClient(ActorRef<PartitionActor.Command> partition, Scheduler scheduler, Duration timeout) {
        this.partition = partition;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    public ActorRef<PartitionActor.Command> ref() {
        return partition;
    }

    public CompletionStage<AppendReply> appendAsync(ValidBatches batches) {
        return AskPattern.ask(partition, replyTo -> new PartitionActor.Append(batches, replyTo), timeout, scheduler);
    }

    /** Appends and expects success. */
    public Appended append(ValidBatches batches) {
        AppendReply reply = Await.resultOf(appendAsync(batches), timeout);
        if (reply instanceof Appended appended) {
            return appended;
        }
        throw new AssertionError("append failed: " + reply);
    }

    public AppendReply tryAppend(ValidBatches batches) {
        return Await.resultOf(appendAsync(batches), timeout);
    }

    public ReadReply read(long offset, int maxBytes, Duration maxWait) {
        return Await.resultOf(AskPattern.ask(partition,
                replyTo -> new PartitionActor.Read(offset, maxBytes, maxWait, replyTo), timeout.plus(maxWait),
                scheduler), timeout.plus(maxWait));
    }

    public PartitionState state() {
        return Await.resultOf(AskPattern.ask(partition, PartitionActor.GetState::new, timeout, scheduler), timeout);
    }

    /**
     * Reads every committed record from {@code fromOffset} to the high watermark, each read continuing
     * at the previous one's next offset, as a consumer does.
     */
    public List<LogRecord> readAll(long fromOffset, int maxBytes) {
        List<LogRecord> out = new ArrayList<>();
        long offset = fromOffset;
        while (true) {
            ReadReply reply = read(offset, maxBytes, Duration.ZERO);
            if (!(reply instanceof Records records)) {
                throw new AssertionError("read at " + offset + " failed: " + reply);
            }
            if (records.isEmpty()) {
                if (offset >= records.highWatermark()) {
                    return out;
                }
                throw new AssertionError(
                        "empty read at " + offset + " below the high watermark " + records.highWatermark());
            }
            ByteBuffer batches = records.batches();
            out.addAll(Batches.records(batches, offset));
            if (records.nextOffset() <= offset) {
                throw new AssertionError("read at " + offset + " did not advance: next offset " + records.nextOffset());
            }
            offset = records.nextOffset();
        }
    }

    /** Stops the partition gracefully: everything accepted is written, fsynced and the log closed. */
    public void stop() {
        Done done = Await.resultOf(AskPattern.ask(partition, PartitionActor.Stop::new, timeout, scheduler), timeout);
        if (done == null) {
            throw new AssertionError("no answer to stop");
        }
    }
}
