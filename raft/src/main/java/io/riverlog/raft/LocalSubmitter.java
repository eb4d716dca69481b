package io.riverlog.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import io.riverlog.actors.cluster.ReplicatedJournal;

/**
 * Submits entries straight to this node's own division of a group, as its leader: no Raft client in
 * between, which would first try the leader it last knew. A leader just elected is not ready until it
 * has committed an entry of its own term; it is asked again after {@code notReadyRetry} until the
 * request times out.
 */
final class LocalSubmitter {
    private final ClientId client = ClientId.randomId();
    private final AtomicLong calls = new AtomicLong();
    private final Duration timeout;
    private final Duration notReadyRetry;

    LocalSubmitter(Duration timeout, Duration notReadyRetry) {
        this.timeout = timeout;
        this.notReadyRetry = notReadyRetry;
    }

    /** Fails with {@code NotLeaderException} if this node does not lead {@code group}. */
    CompletionStage<ReplicatedJournal.Committed> submit(RaftServer server, RaftGroupId group, byte[] entry) {
        return submit(server, group, entry, true);
    }

    /**
     * As {@link #submit}, but a leader that is not ready yet refuses the entry too
     * ({@code LeaderNotReadyException}) rather than have it asked again: nothing waits here, so entries
     * reach the group's log in the order they were submitted, or fail.
     */
    CompletionStage<ReplicatedJournal.Committed> submitNow(RaftServer server, RaftGroupId group, byte[] entry) {
        return submit(server, group, entry, false);
    }

    private CompletionStage<ReplicatedJournal.Committed> submit(RaftServer server, RaftGroupId group, byte[] entry,
                                                                boolean untilReady) {
        CompletableFuture<ReplicatedJournal.Committed> result = new CompletableFuture<>();
        // The entry's bytes were encoded for this submission alone and are never written again: wrapped, not copied.
        submit(server, group, Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)), untilReady, result);
        return result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void submit(RaftServer server, RaftGroupId group, Message message, boolean untilReady,
                        CompletableFuture<ReplicatedJournal.Committed> result) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(client)
                .setServerId(server.getId()).setGroupId(group).setCallId(calls.incrementAndGet())
                .setMessage(message).setType(RaftClientRequest.writeRequestType()).build();
        try {
            server.submitClientRequestAsync(request).whenComplete((reply, failure) -> {
                if (untilReady && failure == null && !reply.isSuccess()
                        && reply.getException() instanceof LeaderNotReadyException && !result.isDone()) {
                    CompletableFuture.delayedExecutor(notReadyRetry.toMillis(), TimeUnit.MILLISECONDS)
                            .execute(() -> submit(server, group, message, true, result));
                } else {
                    RaftNode.complete(result, reply, failure);
                }
            });
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
    }
}
