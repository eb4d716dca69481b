package io.riverlog.actors.topics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef.Validator;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;

import io.riverlog.wal.BatchFormat;

/**
 * Every topic config of Apache Kafka 4.4, by name, type, range and Kafka's default, with the broker
 * config Kafka names as its synonym, and what Riverlog does with it. Values are parsed and checked with
 * kafka-clients' own {@link ConfigDef} types and validators, so a value is refused here exactly when
 * Kafka's broker refuses it, with the same reason; the one difference is {@code segment.bytes}, which
 * Riverlog takes from one batch header up (Kafka from 1 MiB), so tests can roll segments quickly.
 *
 * <p>Where a Riverlog setting gives the broker's default (retention, segment size, the append rules),
 * {@link TopicConfigs#brokerDefaults} has it; the others default to Kafka's values below.
 */
public final class TopicConfigCatalog {

    /** What Riverlog does with a config. */
    public enum Effect {
        /** Applied to the topic's partitions, and changed live. */
        APPLIED,
        /** Stored, validated and reported; applied once the feature it belongs to exists. */
        STORED
    }

    /**
     * One topic config: its Kafka type, Kafka's default (as Kafka parses it), validator, the broker
     * config that gives its default in Kafka (null if none) and what Riverlog does with it.
     */
    public record Key(String name, Type type, Object kafkaDefault, Validator validator, String brokerSynonym,
                      Effect effect, String riverlogNote) {
    }

    private static final Map<String, Key> KEYS = build();

    private TopicConfigCatalog() {
    }

    public static Map<String, Key> keys() {
        return KEYS;
    }

    public static Optional<Key> key(String name) {
        return Optional.ofNullable(name == null ? null : KEYS.get(name));
    }

    /** The value parsed as Kafka parses it (a List for LIST, a Long for LONG, ...); throws ConfigException. */
    public static Object parse(Key key, String value) {
        Object parsed = ConfigDef.parseType(key.name(), value, key.type());
        if (key.validator() != null) {
            key.validator().ensureValid(key.name(), parsed);
        }
        return parsed;
    }

    /** Why {@code value} is not a valid value of config {@code name}, or empty if it is. */
    public static Optional<String> problemWith(String name, String value) {
        Key key = KEYS.get(name);
        if (key == null) {
            return Optional.of("Unknown topic config name: " + name);
        }
        if (value == null) {
            return Optional.of("Invalid value null for configuration " + name + ": a value is required");
        }
        try {
            parse(key, value.trim());
        } catch (ConfigException e) {
            return Optional.of(e.getMessage());
        }
        if (name.equals(TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG) && Boolean.parseBoolean(value.trim())) {
            return Optional.of("Tiered storage is not served by this broker: " + name + " cannot be true");
        }
        return Optional.empty();
    }

    /** Kafka's default rendered as DescribeConfigs shows it. */
    public static String render(Key key, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            list.forEach(item -> parts.add(String.valueOf(item)));
            return String.join(",", parts);
        }
        return String.valueOf(value);
    }

    private static Map<String, Key> build() {
        Map<String, Key> keys = new LinkedHashMap<>();
        Effect applied = Effect.APPLIED;
        Effect stored = Effect.STORED;
        String cluster = "stored; applied by the cluster (replication), which is not served yet";
        String notServed = "stored; this broker does not serve the feature";
        add(keys, TopicConfig.CLEANUP_POLICY_CONFIG, Type.LIST, List.of("delete"),
                ValidList.in(false, "compact", "delete"), "log.cleanup.policy", applied,
                "delete: retention deletes old segments; compact: the log cleaner keeps the latest record of each"
                        + " key (retention then deletes nothing unless delete is named too)");
        String level = "the level the broker compresses at, for this codec's compression.type: only batches it"
                + " rebuilds (one already in the codec is kept, whatever its level)";
        add(keys, TopicConfig.COMPRESSION_TYPE_CONFIG, Type.STRING, "producer",
                ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
                "compression.type", applied, "producer keeps each batch as its producer compressed it; any other"
                        + " value stores every batch in that codec, rebuilding those sent in another");
        add(keys, TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG, Type.INT, -1, gzipLevel(),
                "compression.gzip.level", applied, level);
        add(keys, TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG, Type.INT, 9, Range.between(1, 17),
                "compression.lz4.level", applied, level);
        add(keys, TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, Type.INT, 3, Range.between(-131072, 22),
                "compression.zstd.level", applied, level);
        add(keys, TopicConfig.DELETE_RETENTION_MS_CONFIG, Type.LONG, 86_400_000L, Range.atLeast(0),
                "log.cleaner.delete.retention.ms", applied,
                "a tombstone is kept this long after the first compaction that saw it");
        add(keys, TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Type.LONG, 60_000L, Range.atLeast(0),
                "log.segment.delete.delay.ms", applied, "how long a deleted segment's files stay open for reads");
        add(keys, TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                "log.flush.interval.messages", stored,
                "stored; the broker fsyncs by riverlog.partition.fsync-policy (every append by default)");
        add(keys, TopicConfig.FLUSH_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                "log.flush.interval.ms", stored,
                "stored; the broker fsyncs by riverlog.partition.fsync-policy (every append by default)");
        add(keys, "follower.replication.throttled.replicas", Type.LIST, List.of(), throttledReplicas(),
                null, stored, cluster);
        add(keys, TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Type.INT, 4096, Range.atLeast(0),
                "log.index.interval.bytes", applied, "bytes between offset-index entries, from the next segment");
        add(keys, "leader.replication.throttled.replicas", Type.LIST, List.of(), throttledReplicas(),
                null, stored, cluster);
        add(keys, TopicConfig.LOCAL_LOG_RETENTION_BYTES_CONFIG, Type.LONG, -2L, Range.atLeast(-2),
                "log.local.retention.bytes", stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.LOCAL_LOG_RETENTION_MS_CONFIG, Type.LONG, -2L, Range.atLeast(-2),
                "log.local.retention.ms", stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(1),
                "log.cleaner.max.compaction.lag.ms", applied, "a record stays uncompacted at most about this long:"
                        + " the active segment rolls after it, and an older dirty segment is compacted whatever"
                        + " the ratio");
        add(keys, TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, Type.INT, Integer.MAX_VALUE - 8,
                Range.between(1, Integer.MAX_VALUE - 8),
                "max.decompressed.message.bytes", stored,
                "stored; validation and recompression decompress batches without this bound");
        add(keys, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Type.INT, 1_048_588, Range.atLeast(0),
                "message.max.bytes", applied, "larger appends are refused with MESSAGE_TOO_LARGE");
        add(keys, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Type.LONG, 3_600_000L, Range.atLeast(0),
                "log.message.timestamp.after.max.ms", applied, "CreateTime records too far ahead: INVALID_TIMESTAMP");
        add(keys, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Type.LONG, Long.MAX_VALUE, Range.atLeast(0),
                "log.message.timestamp.before.max.ms", applied, "CreateTime records too far back: INVALID_TIMESTAMP");
        add(keys, TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, Type.STRING, "CreateTime",
                ValidString.in("CreateTime", "LogAppendTime"),
                "log.message.timestamp.type", applied,
                "LogAppendTime stamps each batch with the broker's time on append");
        add(keys, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, Type.DOUBLE, 0.5, Range.between(0, 1),
                "log.cleaner.min.cleanable.ratio", applied,
                "a log is compacted once this share of its rolled bytes is new since its last compaction");
        add(keys, TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0),
                "log.cleaner.min.compaction.lag.ms", applied,
                "a segment whose newest record is younger than this is not compacted yet");
        add(keys, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Type.INT, 1, Range.atLeast(1),
                "min.insync.replicas", stored, cluster);
        add(keys, TopicConfig.PREALLOCATE_CONFIG, Type.BOOLEAN, false, null,
                "log.preallocate", stored, "stored; segments grow as they are written");
        add(keys, TopicConfig.REMOTE_COPY_LAG_BYTES_CONFIG, Type.LONG, -1L, Range.atLeast(-1),
                "log.remote.copy.lag.bytes", stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.REMOTE_COPY_LAG_MS_CONFIG, Type.LONG, 0L, Range.atLeast(-1),
                "log.remote.copy.lag.ms", stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.REMOTE_LOG_COPY_DISABLE_CONFIG, Type.BOOLEAN, false, null,
                null, stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.REMOTE_LOG_DELETE_ON_DISABLE_CONFIG, Type.BOOLEAN, false, null,
                null, stored, notServed + " (tiered storage)");
        add(keys, TopicConfig.REMOTE_LOG_STORAGE_ENABLE_CONFIG, Type.BOOLEAN, false, null,
                null, stored, "only false: tiered storage is not served");
        add(keys, TopicConfig.RETENTION_BYTES_CONFIG, Type.LONG, -1L, null,
                "log.retention.bytes", applied, "oldest whole segments are deleted past this size");
        add(keys, TopicConfig.RETENTION_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(-1),
                "log.retention.ms", applied, "segments whose newest record is older are deleted");
        add(keys, TopicConfig.SEGMENT_BYTES_CONFIG, Type.INT, 1_073_741_824, Range.atLeast(BatchFormat.HEADER_BYTES),
                "log.segment.bytes", applied, "a segment rolls before it would grow past this");
        add(keys, TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, Type.INT, 10_485_760, Range.atLeast(4),
                "log.index.size.max.bytes", stored, "stored; offset indexes grow with their segment");
        add(keys, TopicConfig.SEGMENT_JITTER_MS_CONFIG, Type.LONG, 0L, Range.atLeast(0),
                "log.roll.jitter.ms", stored, "stored; segments roll at segment.ms exactly");
        add(keys, TopicConfig.SEGMENT_MS_CONFIG, Type.LONG, 604_800_000L, Range.atLeast(1),
                "log.roll.ms", applied, "a segment rolls once it has taken appends this long");
        add(keys, TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, Type.BOOLEAN, false, null,
                "unclean.leader.election.enable", stored, cluster);
        add(keys, TopicConfig.ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_CONFIG, Type.BOOLEAN, false, null,
                null, stored, notServed + " (share groups)");
        return Collections.unmodifiableMap(keys);
    }

    private static void add(Map<String, Key> keys, String name, Type type, Object kafkaDefault, Validator validator,
                            String brokerSynonym, Effect effect, String note) {
        keys.put(name, new Key(name, type, kafkaDefault, validator, brokerSynonym, effect, note));
    }

    /** 1 to 9, or -1 for the library's default level. */
    private static Validator gzipLevel() {
        return (name, value) -> {
            int level = (Integer) value;
            if (level != -1 && (level < 1 || level > 9)) {
                throw new ConfigException(name, value, "must be in [1, 9] or -1");
            }
        };
    }

    /** "*" or a list of partition:broker pairs, as Kafka takes for the throttled replica lists. */
    private static Validator throttledReplicas() {
        return (name, value) -> {
            List<?> entries = (List<?>) value;
            if (entries.size() == 1 && "*".equals(String.valueOf(entries.get(0)).trim())) {
                return;
            }
            for (Object entry : entries) {
                if (!String.valueOf(entry).trim().matches("[0-9]+:[0-9]+")) {
                    throw new ConfigException(name, value,
                            "must be \"*\" or a list of [partitionId]:[brokerId] pairs");
                }
            }
        };
    }
}
