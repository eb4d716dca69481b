package io.riverlog.actors.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import io.riverlog.actors.cluster.ReplicatedStateMachine;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;

/**
 * A partition group's state machine on one replica: entries go to the
 * {@link ReplicaApplier}; the answer (the partition actor's) travels back to the submitter encoded:
 * appended {@code [0, base, last, logStart, appendTime]} or refused {@code [1, error ordinal, message]}.
 */
public final class ReplicaStateMachine implements ReplicatedStateMachine {
    private static final byte APPENDED = 0;
    private static final byte FAILED = 1;

    private final ReplicaApplier applier;
    /** The partitions that got entries since the last snapshot: the index and topic id of the last of them. */
    private final Map<PartitionId, ReplicaApplier.Touched> touched = new ConcurrentHashMap<>();

    public ReplicaStateMachine(ReplicaApplier applier) {
        this.applier = applier;
    }

    @Override
    public byte[] apply(long index, byte[] entry) {
        return applyAsync(index, 0, entry).toCompletableFuture().join();
    }

    /** Applies the entry; its term becomes its batches' leader epoch. */
    @Override
    public CompletionStage<byte[]> applyAsync(long index, long term, byte[] bytes) {
        ReplicaEntry entry = ReplicaEntry.decode(bytes);
        // Even an entry skipped as applied before a restart counts: what recorded it may not be durable yet.
        touched.put(entry.partition(), new ReplicaApplier.Touched(entry.partition(), entry.topicId(), index));
        return applier.apply(index, term, entry).thenApply(ReplicaStateMachine::encode);
    }

    /**
     * Makes the progress of every partition that got an entry since the last snapshot durable; the
     * group's log may then be purged up to {@code index}. A partition whose last entry is after
     * {@code index} stays listed for the next snapshot.
     */
    @Override
    public boolean snapshot(long index) throws IOException {
        List<ReplicaApplier.Touched> partitions = List.copyOf(touched.values());
        if (!applier.makeDurable(partitions)) {
            return false;
        }
        for (ReplicaApplier.Touched partition : partitions) {
            touched.computeIfPresent(partition.partition(), (id, last) -> last.index() <= index ? null : last);
        }
        return true;
    }

    static byte[] encode(PartitionActor.AppendReply reply) {
        if (reply instanceof PartitionActor.Appended appended) {
            return ByteBuffer.allocate(1 + 4 * Long.BYTES).put(APPENDED).putLong(appended.baseOffset())
                    .putLong(appended.lastOffset()).putLong(appended.logStartOffset())
                    .putLong(appended.logAppendTimeMs()).array();
        }
        PartitionActor.AppendFailed failed = (PartitionActor.AppendFailed) reply;
        byte[] message = String.valueOf(failed.message()).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Integer.BYTES + message.length).put(FAILED).putInt(failed.error().ordinal())
                .put(message).array();
    }

    public static PartitionActor.AppendReply decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() == APPENDED) {
            return new PartitionActor.Appended(in.getLong(), in.getLong(), in.getLong(), in.getLong());
        }
        PartitionActor.AppendError error = PartitionActor.AppendError.values()[in.getInt()];
        byte[] message = new byte[in.remaining()];
        in.get(message);
        return new PartitionActor.AppendFailed(error, new String(message, StandardCharsets.UTF_8));
    }
}
