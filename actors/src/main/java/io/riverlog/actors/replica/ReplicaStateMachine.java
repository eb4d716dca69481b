package io.riverlog.actors.replica;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

import io.riverlog.actors.cluster.ReplicatedStateMachine;
import io.riverlog.actors.partition.PartitionActor;

/**
 * A partition group's state machine on one replica: entries go to the
 * {@link ReplicaApplier}; the answer (the partition actor's) travels back to the submitter encoded:
 * appended {@code [0, base, last, logStart, appendTime]} or refused {@code [1, error ordinal, message]}.
 */
public final class ReplicaStateMachine implements ReplicatedStateMachine {
    private static final byte APPENDED = 0;
    private static final byte FAILED = 1;

    private final ReplicaApplier applier;

    public ReplicaStateMachine(ReplicaApplier applier) {
        this.applier = applier;
    }

    @Override
    public byte[] apply(long index, byte[] entry) {
        return applyAsync(index, entry).toCompletableFuture().join();
    }

    @Override
    public CompletionStage<byte[]> applyAsync(long index, byte[] entry) {
        return applier.apply(index, entry).thenApply(ReplicaStateMachine::encode);
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
