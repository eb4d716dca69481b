package io.riverlog.actors.topics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;

import io.riverlog.actors.partition.AppendPolicy;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.partition.StoredCompression;
import io.riverlog.wal.CompactionConfig;
import io.riverlog.wal.LogConfig;

/**
 * The configs a topic sets (Kafka's names, every one of {@link TopicConfigCatalog}), and how they
 * override the broker's defaults for that topic's partitions: the log settings ({@link LogConfig},
 * from {@code riverlog.log}) and the append rules ({@link AppendPolicy}, from {@code riverlog.partition}).
 * Unknown names and values out of range are refused, so that a typo never passes for a setting.
 */
public final class TopicConfigs {

    private TopicConfigs() {
    }

    /** Why the configs cannot be set, or empty if every key is known and every value in range. */
    public static Optional<String> problemWith(Map<String, String> configs) {
        for (Map.Entry<String, String> entry : configs.entrySet()) {
            Optional<String> problem = TopicConfigCatalog.problemWith(entry.getKey(), entry.getValue());
            if (problem.isPresent()) {
                return problem;
            }
        }
        return conflicts(configs);
    }

    /**
     * Why the changes (an empty value removes a key) cannot be applied to a topic with configs
     * {@code current}, or empty if they can.
     */
    public static Optional<String> problemWithChanges(Map<String, String> current,
                                                      Map<String, Optional<String>> changes) {
        for (Map.Entry<String, Optional<String>> change : changes.entrySet()) {
            Optional<String> value = change.getValue();
            if (value == null) {
                return Optional.of("config " + change.getKey() + " has a null change; an empty Optional removes a key");
            }
            Optional<String> problem = value.isPresent() ? TopicConfigCatalog.problemWith(change.getKey(), value.get())
                    : TopicConfigCatalog.key(change.getKey()).isPresent() ? Optional.empty()
                    : Optional.of("Unknown topic config name: " + change.getKey());
            if (problem.isPresent()) {
                return problem;
            }
        }
        return conflicts(applyChanges(current, changes));
    }

    /** The (valid) configs as stored: values without surrounding blanks, keys sorted. */
    static Map<String, String> normalized(Map<String, String> configs) {
        Map<String, String> result = new TreeMap<>();
        configs.forEach((key, value) -> result.put(key, value.trim()));
        return result;
    }

    /** {@code current} with the changes applied: a present value sets its key, an empty one removes it. */
    public static Map<String, String> applyChanges(Map<String, String> current,
                                                   Map<String, Optional<String>> changes) {
        Map<String, String> result = new TreeMap<>(current);
        changes.forEach((key, value) -> {
            if (value.isPresent()) {
                result.put(key, value.get().trim());
            } else {
                result.remove(key);
            }
        });
        return result;
    }

    /** The log settings of a partition of a topic with these (valid) configs. */
    public static LogConfig logConfig(LogConfig defaults, Map<String, String> configs) {
        LogConfig config = defaults;
        if (configs.containsKey(TopicConfig.SEGMENT_BYTES_CONFIG)) {
            config = config.withSegmentBytes(intOf(configs, TopicConfig.SEGMENT_BYTES_CONFIG));
        }
        if (configs.containsKey(TopicConfig.SEGMENT_MS_CONFIG)) {
            config = config.withSegmentMs(longOf(configs, TopicConfig.SEGMENT_MS_CONFIG));
        }
        if (configs.containsKey(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG)) {
            // Kafka takes 0 (an entry per batch); a Riverlog index needs at least one byte between entries.
            config = config.withIndexIntervalBytes(Math.max(1, intOf(configs,
                    TopicConfig.INDEX_INTERVAL_BYTES_CONFIG)));
        }
        if (configs.containsKey(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG)) {
            config = config.withSegmentDeleteDelayMs(longOf(configs, TopicConfig.FILE_DELETE_DELAY_MS_CONFIG));
        }
        long retentionBytes = configs.containsKey(TopicConfig.RETENTION_BYTES_CONFIG)
                ? longOf(configs, TopicConfig.RETENTION_BYTES_CONFIG) : config.retentionBytes();
        long retentionMs = configs.containsKey(TopicConfig.RETENTION_MS_CONFIG)
                ? longOf(configs, TopicConfig.RETENTION_MS_CONFIG) : config.retentionMs();
        Set<String> policy = cleanupPolicy(configs);
        return config.withRetention(retentionBytes, retentionMs)
                .withDeletesByRetention(policy.contains(TopicConfig.CLEANUP_POLICY_DELETE))
                .withCompaction(compaction(config.compaction(), configs)
                        .withCompacts(policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)));
    }

    /** How a topic with these (valid) configs is compacted, if its cleanup policy says so. */
    private static CompactionConfig compaction(CompactionConfig defaults, Map<String, String> configs) {
        double ratio = configs.containsKey(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG)
                ? Double.parseDouble(configs.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG).trim())
                : defaults.minCleanableDirtyRatio();
        long minLagMs = configs.containsKey(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG)
                ? longOf(configs, TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG) : defaults.minLagMs();
        long maxLagMs = configs.containsKey(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG)
                ? longOf(configs, TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG) : defaults.maxLagMs();
        long deleteRetentionMs = configs.containsKey(TopicConfig.DELETE_RETENTION_MS_CONFIG)
                ? longOf(configs, TopicConfig.DELETE_RETENTION_MS_CONFIG) : defaults.deleteRetentionMs();
        return defaults.withMinCleanableDirtyRatio(ratio).withLags(minLagMs, maxLagMs)
                .withDeleteRetentionMs(deleteRetentionMs);
    }

    /** The append rules of a partition of a topic with these (valid) configs. */
    public static AppendPolicy appendPolicy(AppendPolicy defaults, Map<String, String> configs) {
        int maxMessageBytes = configs.containsKey(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
                ? intOf(configs, TopicConfig.MAX_MESSAGE_BYTES_CONFIG) : defaults.maxMessageBytes();
        boolean logAppendTime = configs.containsKey(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG)
                ? configs.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).trim().equals(AppendPolicy.LOG_APPEND_TIME)
                : defaults.logAppendTime();
        long beforeMaxMs = configs.containsKey(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG)
                ? longOf(configs, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG) : defaults.timestampBeforeMaxMs();
        long afterMaxMs = configs.containsKey(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG)
                ? longOf(configs, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG) : defaults.timestampAfterMaxMs();
        boolean compacted = cleanupPolicy(configs).contains(TopicConfig.CLEANUP_POLICY_COMPACT);
        return new AppendPolicy(maxMessageBytes, logAppendTime, beforeMaxMs, afterMaxMs, compacted,
                compression(configs));
    }

    /**
     * The codec a topic with these (valid) configs stores its batches in, at the level its configs
     * give. No broker setting changes the default here: it is Kafka's, {@code producer}.
     */
    public static StoredCompression compression(Map<String, String> configs) {
        String type = orKafkaDefault(configs, TopicConfig.COMPRESSION_TYPE_CONFIG);
        return switch (type) {
            case "producer" -> StoredCompression.PRODUCER;
            case "uncompressed" -> StoredCompression.of(Compression.NONE);
            case "gzip" -> StoredCompression.of(Compression.gzip()
                    .level(intOrKafkaDefault(configs, TopicConfig.COMPRESSION_GZIP_LEVEL_CONFIG)).build());
            case "snappy" -> StoredCompression.of(Compression.snappy().build());
            case "lz4" -> StoredCompression.of(Compression.lz4()
                    .level(intOrKafkaDefault(configs, TopicConfig.COMPRESSION_LZ4_LEVEL_CONFIG)).build());
            case "zstd" -> StoredCompression.of(Compression.zstd()
                    .level(intOrKafkaDefault(configs, TopicConfig.COMPRESSION_ZSTD_LEVEL_CONFIG)).build());
            default -> throw new IllegalArgumentException("compression.type " + type + " was not validated");
        };
    }

    /** The topic's value of {@code name}, or Kafka's default. */
    private static String orKafkaDefault(Map<String, String> configs, String name) {
        String value = configs.get(name);
        return value != null ? value.trim() : String.valueOf(TopicConfigCatalog.keys().get(name).kafkaDefault());
    }

    private static int intOrKafkaDefault(Map<String, String> configs, String name) {
        return Integer.parseInt(orKafkaDefault(configs, name));
    }

    /** The partition settings of a topic with these (valid) configs. */
    public static PartitionSettings partitionSettings(PartitionSettings defaults, Map<String, String> configs) {
        return defaults.withLog(logConfig(defaults.log(), configs))
                .withAppendPolicy(appendPolicy(defaults.appendPolicy(), configs));
    }

    /**
     * The broker's default of every config that a Riverlog setting gives (as DescribeConfigs shows
     * it); the other configs default to Kafka's values in {@link TopicConfigCatalog}.
     */
    public static Map<String, String> brokerDefaults(PartitionSettings settings) {
        LogConfig log = settings.log();
        AppendPolicy appends = settings.appendPolicy();
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(log.retentionMs()));
        defaults.put(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(log.retentionBytes()));
        defaults.put(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(log.segmentBytes()));
        defaults.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(log.segmentMs()));
        defaults.put(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, Integer.toString(log.indexIntervalBytes()));
        defaults.put(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, Long.toString(log.segmentDeleteDelayMs()));
        defaults.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(appends.maxMessageBytes()));
        CompactionConfig compaction = log.compaction();
        defaults.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG,
                Double.toString(compaction.minCleanableDirtyRatio()));
        defaults.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, Long.toString(compaction.minLagMs()));
        defaults.put(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, Long.toString(compaction.maxLagMs()));
        defaults.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(compaction.deleteRetentionMs()));
        defaults.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG,
                appends.logAppendTime() ? AppendPolicy.LOG_APPEND_TIME : AppendPolicy.CREATE_TIME);
        defaults.put(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Long.toString(appends.timestampBeforeMaxMs()));
        defaults.put(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, Long.toString(appends.timestampAfterMaxMs()));
        return defaults;
    }

    /** The cleanup policies a topic's configs name, lower case; Kafka's default is delete. */
    public static Set<String> cleanupPolicy(Map<String, String> configs) {
        String value = configs.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (value == null) {
            return Set.of(TopicConfig.CLEANUP_POLICY_DELETE);
        }
        Set<String> policies = new HashSet<>();
        for (String policy : value.split(",")) {
            policies.add(policy.trim().toLowerCase(java.util.Locale.ROOT));
        }
        return policies;
    }

    /** Rules between configs that Kafka checks on the whole set. */
    private static Optional<String> conflicts(Map<String, String> configs) {
        if (configs.containsKey(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG)
                && configs.containsKey(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG)) {
            long min = longOf(configs, TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG);
            long max = longOf(configs, TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG);
            if (min > max) {
                return Optional.of("conflict topic config setting " + TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG
                        + " (" + min + ") > " + TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG + " (" + max + ")");
            }
        }
        return Optional.empty();
    }

    /** The names of the configs in the catalog, in its order. */
    public static List<String> names() {
        return List.copyOf(TopicConfigCatalog.keys().keySet());
    }

    private static int intOf(Map<String, String> configs, String key) {
        return Integer.parseInt(configs.get(key).trim());
    }

    private static long longOf(Map<String, String> configs, String key) {
        return Long.parseLong(configs.get(key).trim());
    }
}
