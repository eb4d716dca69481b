package io.riverlog.raft;

import java.util.concurrent.CompletableFuture;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import io.riverlog.actors.cluster.ReplicatedStateMachine;

/**
 * A Raft group's state machine that hands each committed client entry, with its index, to the
 * actor core's {@link ReplicatedStateMachine} and answers with what that returns. It keeps no
 * snapshot: a restarted node applies the group's log again from its start (Ratis then purges
 * nothing, so the log stays whole).
 */
final class JournalStateMachine extends BaseStateMachine {
    private final ReplicatedStateMachine target;

    JournalStateMachine(ReplicatedStateMachine target) {
        this.target = target;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        CompletableFuture<byte[]> reply = target.applyAsync(entry.getIndex(), data).toCompletableFuture();
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return reply.thenApply(bytes -> Message.valueOf(ByteString.copyFrom(bytes)));
    }
}
