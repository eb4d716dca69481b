package io.riverlog.actors.topics;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogRecord;
import io.riverlog.wal.RecordLog;
import io.riverlog.wal.ValidBatches;

/**
 * The binary form of a {@link TopicEvent}: the value of one record, one record per batch in the
 * metadata log ({@code <data-dir>/meta}, a {@link RecordLog} with {@link #CODEC}). Each event is
 * fsynced before the change is answered, so a change is answered only once it survives a crash; a
 * torn last event is cut by the log's recovery, exactly like an unacknowledged produce. All
 * integers are big-endian; the record key is absent.
 * <pre>
 *   int8    format version, 1
 *   int8    kind: 1 created, 2 deleted, 3 partitions added, 4 configs replaced,
 *                 5 producer ids reserved
 *   then, for a change of a topic (kinds 1 to 4):
 *     int64   topic id, most significant bits
 *     int64   topic id, least significant bits
 *     string  topic name
 *     then, by kind:
 *       created           int32 partitions, configs
 *       deleted           nothing
 *       partitions added  int32 partition count after the change
 *       configs replaced  configs (the whole set after the change)
 *   or, for producer ids reserved (kind 5):
 *     int64   the first producer id not reserved
 *
 *   string   int32 length in bytes, then that many bytes of UTF-8
 *   configs  int32 count, then count pairs of string key, string value, sorted by key
 * </pre>
 * The batch's CRC32C guards the bytes; a value this class cannot read means a newer format or a
 * bug, never a torn write, and is refused rather than skipped.
 *
 * <p>Batches are built with kafka-clients' internal {@code MemoryRecords} builder, the only use of
 * those classes outside wal-io's BatchFormat; it builds, and BatchFormat validates and decodes.
 */
final class TopicEvents {
    static final byte VERSION = 1;
    private static final byte CREATED = 1;
    private static final byte DELETED = 2;
    private static final byte PARTITIONS_ADDED = 3;
    private static final byte CONFIGS_REPLACED = 4;
    private static final byte PRODUCER_IDS_RESERVED = 5;

    /** The metadata log's codec: a change is one event, in a batch of its own. */
    static final RecordLog.Codec<TopicEvent> CODEC = new RecordLog.Codec<>() {
        @Override
        public ValidBatches batchOf(List<TopicEvent> events, long timestampMs) {
            if (events.size() != 1) {
                throw new IllegalArgumentException("a topic change is one event, not " + events.size());
            }
            return TopicEvents.batchOf(events.get(0), timestampMs);
        }

        @Override
        public TopicEvent decode(LogRecord record) {
            if (record.value() == null) {
                throw new IllegalArgumentException("the record has no value");
            }
            return TopicEvents.decode(record.value());
        }
    };

    private TopicEvents() {
    }

    /** One record batch holding the event, validated and ready to append. */
    static ValidBatches batchOf(TopicEvent event, long timestampMs) {
        return BatchFormat.batchOf(List.of(new BatchFormat.NewRecord(timestampMs, null, encode(event), List.of())));
    }

    static byte[] encode(TopicEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(VERSION);
            out.writeByte(kindOf(event));
            if (event instanceof TopicEvent.ProducerIdsReserved reserved) {
                out.writeLong(reserved.nextUnreserved());
                return bytes.toByteArray();
            }
            TopicEvent.OfTopic change = (TopicEvent.OfTopic) event;
            out.writeLong(change.topicId().getMostSignificantBits());
            out.writeLong(change.topicId().getLeastSignificantBits());
            writeString(out, change.name());
            if (event instanceof TopicEvent.Created created) {
                out.writeInt(created.partitions());
                writeConfigs(out, created.configs());
            } else if (event instanceof TopicEvent.PartitionsAdded added) {
                out.writeInt(added.partitions());
            } else if (event instanceof TopicEvent.ConfigsReplaced replaced) {
                writeConfigs(out, replaced.configs());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * The event in {@code value}.
     *
     * @throws IllegalArgumentException saying what is wrong, if the value is not an event of this format
     */
    static TopicEvent decode(byte[] value) {
        ByteBuffer in = ByteBuffer.wrap(value);
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("format version " + version + ", only " + VERSION + " is known");
            }
            byte kind = in.get();
            TopicEvent event = kind == PRODUCER_IDS_RESERVED ? producerIdsReserved(in) : changeOfTopic(kind, in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end of the event");
            }
            return event;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("the event ends early, at byte " + value.length);
        }
    }

    private static TopicEvent.OfTopic changeOfTopic(byte kind, ByteBuffer in) {
        UUID topicId = new UUID(in.getLong(), in.getLong());
        String name = string(in);
        return switch (kind) {
            case CREATED -> new TopicEvent.Created(name, topicId, in.getInt(), configs(in));
            case DELETED -> new TopicEvent.Deleted(name, topicId);
            case PARTITIONS_ADDED -> new TopicEvent.PartitionsAdded(name, topicId, in.getInt());
            case CONFIGS_REPLACED -> new TopicEvent.ConfigsReplaced(name, topicId, configs(in));
            default -> throw new IllegalArgumentException("unknown event kind " + kind);
        };
    }

    private static TopicEvent.ProducerIdsReserved producerIdsReserved(ByteBuffer in) {
        long nextUnreserved = in.getLong();
        if (nextUnreserved < 0) {
            throw new IllegalArgumentException("next unreserved producer id " + nextUnreserved);
        }
        return new TopicEvent.ProducerIdsReserved(nextUnreserved);
    }

    private static byte kindOf(TopicEvent event) {
        if (event instanceof TopicEvent.Created) {
            return CREATED;
        } else if (event instanceof TopicEvent.Deleted) {
            return DELETED;
        } else if (event instanceof TopicEvent.PartitionsAdded) {
            return PARTITIONS_ADDED;
        } else if (event instanceof TopicEvent.ConfigsReplaced) {
            return CONFIGS_REPLACED;
        } else {
            return PRODUCER_IDS_RESERVED;
        }
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("string length " + length + " with " + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Map<String, String> configs(ByteBuffer in) {
        int count = in.getInt();
        if (count < 0) {
            throw new IllegalArgumentException("config count " + count);
        }
        Map<String, String> configs = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            configs.put(string(in), string(in));
        }
        return configs;
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static void writeConfigs(DataOutputStream out, Map<String, String> configs) throws IOException {
        Map<String, String> sorted = new TreeMap<>(configs);
        out.writeInt(sorted.size());
        for (Map.Entry<String, String> entry : sorted.entrySet()) {
            writeString(out, entry.getKey());
            writeString(out, entry.getValue());
        }
    }
}
