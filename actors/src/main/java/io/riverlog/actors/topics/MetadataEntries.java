package io.riverlog.actors.topics;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.riverlog.actors.cluster.GroupStates;
import io.riverlog.actors.cluster.NodeAddress;

/**
 * The entries of a cluster's metadata group and the answers to them (the format; the
 * {@link MetadataStateMachine} gives them meaning). An entry is a kind byte and its body: a topic
 * change in the metadata log's own format ({@link TopicEvents}), a request for a block of producer
 * ids, a node's addresses, a barrier that only marks a place in the log, moves of partition groups to
 * other nodes asked for (a reassignment), a group's move done (its Raft configuration changed), or a
 * group's leader and in-sync members as its leader sees them.
 * An answer is accepted, with a number (the first producer id of a block), or refused, with the reason.
 */
final class MetadataEntries {
    static final byte TOPIC_CHANGE = 1;
    static final byte RESERVE_PRODUCER_IDS = 2;
    static final byte REGISTER_NODE = 3;
    static final byte BARRIER = 4;
    static final byte MOVE_GROUPS = 5;
    static final byte GROUP_MOVED = 6;
    static final byte GROUP_STATE = 7;

    /** Partition group {@code group} is to be (or is now) replicated by {@code members}, its preferred leader first. */
    record GroupMove(int group, java.util.List<Integer> members) {
        GroupMove {
            members = java.util.List.copyOf(members);
        }
    }

    /** The answer to one entry. {@code error} is null when it was accepted. */
    record Answer(TopicError error, String message, long value) {
        static Answer accepted(long value) {
            return new Answer(null, "", value);
        }

        static Answer refused(TopicError error, String message) {
            return new Answer(error, message, -1);
        }

        boolean isAccepted() {
            return error == null;
        }
    }

    private MetadataEntries() {
    }

    static byte[] topicChange(TopicEvent.OfTopic event) {
        byte[] body = TopicEvents.encode(event);
        byte[] entry = new byte[body.length + 1];
        entry[0] = TOPIC_CHANGE;
        System.arraycopy(body, 0, entry, 1, body.length);
        return entry;
    }

    static byte[] reserveProducerIds(int blockSize) {
        return ByteBuffer.allocate(1 + Integer.BYTES).put(RESERVE_PRODUCER_IDS).putInt(blockSize).array();
    }

    static byte[] registerNode(NodeAddress node) {
        return write(out -> {
            out.writeByte(REGISTER_NODE);
            out.writeInt(node.nodeId());
            out.writeUTF(node.kafkaHost());
            out.writeInt(node.kafkaPort());
            out.writeUTF(node.httpHost());
            out.writeInt(node.httpPort());
        });
    }

    static byte[] barrier() {
        return new byte[] {BARRIER};
    }

    /** Moves asked for: each group to its target members. */
    static byte[] moveGroups(java.util.List<GroupMove> moves) {
        return write(out -> {
            out.writeByte(MOVE_GROUPS);
            out.writeInt(moves.size());
            for (GroupMove move : moves) {
                writeMove(out, move);
            }
        });
    }

    /** A group's Raft configuration is {@code move.members()} now. */
    static byte[] groupMoved(GroupMove move) {
        return write(out -> {
            out.writeByte(GROUP_MOVED);
            writeMove(out, move);
        });
    }

    /** Group {@code group}'s leader reports its state. */
    static byte[] groupState(int group, GroupStates.GroupState state) {
        return write(out -> {
            out.writeByte(GROUP_STATE);
            out.writeInt(group);
            out.writeLong(state.term());
            out.writeInt(state.leader());
            out.writeInt(state.inSync().size());
            for (int node : state.inSync()) {
                out.writeInt(node);
            }
        });
    }

    /** The group and its state of a {@link #GROUP_STATE} entry. */
    record ReportedState(int group, GroupStates.GroupState state) {
    }

    static ReportedState groupStateOf(byte[] entry) {
        ByteBuffer in = body(entry);
        try {
            int group = in.getInt();
            long term = in.getLong();
            int leader = in.getInt();
            return new ReportedState(group, new GroupStates.GroupState(term, leader, readNodes(in, 0)));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a group state entry ends early", e);
        }
    }

    private static void writeMove(DataOutputStream out, GroupMove move) throws IOException {
        out.writeInt(move.group());
        out.writeInt(move.members().size());
        for (int node : move.members()) {
            out.writeInt(node);
        }
    }

    static java.util.List<GroupMove> movesOf(byte[] entry) {
        ByteBuffer in = body(entry);
        try {
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IllegalArgumentException("a group move entry claims " + count + " moves");
            }
            java.util.List<GroupMove> moves = new java.util.ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                moves.add(readMove(in));
            }
            return moves;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a group move entry ends early", e);
        }
    }

    static GroupMove movedOf(byte[] entry) {
        try {
            return readMove(body(entry));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a group moved entry ends early", e);
        }
    }

    private static GroupMove readMove(ByteBuffer in) {
        int group = in.getInt();
        return new GroupMove(group, readNodes(in, 1));
    }

    /** A count, at least {@code least}, then that many node ids. */
    private static java.util.List<Integer> readNodes(ByteBuffer in, int least) {
        int size = in.getInt();
        if (size < least || size > in.remaining() / Integer.BYTES) {
            throw new IllegalArgumentException("an entry claims a list of " + size + " nodes");
        }
        java.util.List<Integer> nodes = new java.util.ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            nodes.add(in.getInt());
        }
        return nodes;
    }

    static byte kindOf(byte[] entry) {
        if (entry.length == 0) {
            throw new IllegalArgumentException("an empty metadata entry");
        }
        return entry[0];
    }

    static TopicEvent.OfTopic topicChangeOf(byte[] entry) {
        TopicEvent event = TopicEvents.decode(Arrays.copyOfRange(entry, 1, entry.length));
        if (!(event instanceof TopicEvent.OfTopic change)) {
            throw new IllegalArgumentException("a topic change entry holds " + event);
        }
        return change;
    }

    static int blockSizeOf(byte[] entry) {
        return body(entry).getInt();
    }

    static NodeAddress nodeOf(byte[] entry) {
        ByteBuffer in = body(entry);
        try {
            int id = in.getInt();
            String kafkaHost = readUtf(in);
            int kafkaPort = in.getInt();
            String httpHost = readUtf(in);
            int httpPort = in.getInt();
            return new NodeAddress(id, kafkaHost, kafkaPort, httpHost, httpPort);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a node registration ends early", e);
        }
    }

    static byte[] encode(Answer answer) {
        return write(out -> {
            out.writeByte(answer.isAccepted() ? -1 : answer.error().ordinal());
            out.writeLong(answer.value());
            out.writeUTF(answer.message());
        });
    }

    static Answer decodeAnswer(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte error = in.get();
        long value = in.getLong();
        String message = readUtf(in);
        return error < 0 ? Answer.accepted(value) : Answer.refused(TopicError.values()[error], message);
    }

    private static ByteBuffer body(byte[] entry) {
        return ByteBuffer.wrap(entry, 1, entry.length - 1);
    }

    private static String readUtf(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }
}
