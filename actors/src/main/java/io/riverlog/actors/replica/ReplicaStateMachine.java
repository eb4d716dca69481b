package io.riverlog.actors.replica;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.actors.cluster.ReplicatedStateMachine;
import io.riverlog.actors.cluster.SnapshotPoint;
import io.riverlog.actors.groups.offsets.OffsetsEntry;
import io.riverlog.actors.partition.PartitionActor;
import io.riverlog.actors.partition.PartitionId;

/**
 * A partition group's state machine on one replica: entries of batches go to the
 * {@link ReplicaApplier}, entries of committed offsets ({@link OffsetsEntry}: the group's log also
 * holds the offsets of the consumer groups its leader coordinates) to this node's group manager; the
 * answer to a batch (the partition actor's) travels back to the submitter encoded:
 * appended {@code [0, base, last, logStart, appendTime]} or refused {@code [1, error ordinal, message]}.
 */
public final class ReplicaStateMachine implements ReplicatedStateMachine {
    private static final byte APPENDED = 0;
    private static final byte FAILED = 1;
    /** The answer to an entry of several appends: theirs, in order, each preceded by its length. */
    private static final byte SEVERAL = 2;
    private static final Logger log = LoggerFactory.getLogger(ReplicaStateMachine.class);

    private static final byte[] OFFSETS_APPLIED = new byte[0];

    private final ReplicaApplier applier;
    /** Applies an offsets entry to this node's group manager; completes once it is durable here. */
    private final Function<byte[], CompletionStage<Void>> offsets;
    /** Why an offsets entry could not be applied here: no snapshot may pass it then (the next start applies it). */
    private volatile Throwable offsetsFailure;
    /** The partitions that got entries since the last snapshot: the index and topic id of the last of them. */
    private final Map<PartitionId, ReplicaApplier.Touched> touched = new ConcurrentHashMap<>();

    /** Copies the group's state from its leader (the node given) for a member behind a purge; null: cannot. */
    private final IntFunction<CompletionStage<SnapshotPoint>> installer;

    public ReplicaStateMachine(ReplicaApplier applier, Function<byte[], CompletionStage<Void>> offsets) {
        this(applier, offsets, null);
    }

    /**
     * A group's state machine that, as a member needing entries its leader purged, copies the group's
     * replicas and offsets from the leader through {@code installer}.
     */
    public ReplicaStateMachine(ReplicaApplier applier, Function<byte[], CompletionStage<Void>> offsets,
                               IntFunction<CompletionStage<SnapshotPoint>> installer) {
        this.applier = applier;
        this.offsets = offsets;
        this.installer = installer;
    }

    @Override
    public CompletionStage<SnapshotPoint> install(int leaderNode) {
        if (installer == null) {
            return ReplicatedStateMachine.super.install(leaderNode);
        }
        CompletionStage<SnapshotPoint> installed = installer.apply(leaderNode);
        // What the replicas applied before is replaced: a snapshot after this one starts from the copies.
        return installed.thenApply(point -> {
            touched.clear();
            offsetsFailure = null;
            return point;
        });
    }

    @Override
    public byte[] apply(long index, byte[] entry) {
        return applyAsync(index, 0, entry).toCompletableFuture().join();
    }

    /** Applies the entry; its term becomes its batches' leader epoch. */
    @Override
    public CompletionStage<byte[]> applyAsync(long index, long term, byte[] bytes) {
        if (OffsetsEntry.isOffsets(bytes)) {
            return offsets.apply(bytes).handle((done, failure) -> {
                if (failure != null && offsetsFailure == null) {
                    offsetsFailure = failure;
                    log.error("Applying the committed offsets of entry {} failed; this node's offsets lack it until"
                            + " its next start, which applies it again: {}", index, failure.toString());
                }
                return OFFSETS_APPLIED;
            });
        }
        if (ReplicaEntry.holdsSeveral(bytes)) {
            List<CompletableFuture<PartitionActor.AppendReply>> replies = new ArrayList<>();
            for (ReplicaEntry append : ReplicaEntry.decodeAll(bytes)) {
                touched.put(append.partition(), new ReplicaApplier.Touched(append.partition(), append.topicId(),
                        index));
                replies.add(applier.apply(index, term, append).toCompletableFuture());
            }
            return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                    .thenApply(done -> encodeAll(replies.stream().map(CompletableFuture::join).toList()));
        }
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
        if (offsetsFailure != null) {
            return false;
        }
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

    static byte[] encodeAll(List<PartitionActor.AppendReply> replies) {
        List<byte[]> encoded = replies.stream().map(ReplicaStateMachine::encode).toList();
        ByteBuffer out = ByteBuffer.allocate(1 + Integer.BYTES + encoded.stream()
                .mapToInt(reply -> Integer.BYTES + reply.length).sum()).put(SEVERAL).putInt(encoded.size());
        encoded.forEach(reply -> out.putInt(reply.length).put(reply));
        return out.array();
    }

    /** The answers to an entry of several appends, in their order. */
    public static List<PartitionActor.AppendReply> decodeAll(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.get() != SEVERAL) {
            throw new IllegalArgumentException("not the answer to an entry of several appends");
        }
        int count = in.getInt();
        List<PartitionActor.AppendReply> replies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] reply = new byte[in.getInt()];
            in.get(reply);
            replies.add(decode(reply));
        }
        return replies;
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
