package io.riverlog.actors.topics;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.riverlog.wal.BatchFormat;
import io.riverlog.wal.LogConfig;

/**
 * The per-topic configs a topic may set, with Kafka's names, and how they override the broker's
 * {@code riverlog.log} defaults for that topic's partitions:
 * <pre>
 *   retention.ms     long, -1 or more (-1: no limit)   LogConfig.retentionMs
 *   retention.bytes  long, -1 or more (-1: no limit)   LogConfig.retentionBytes
 *   segment.bytes    int, at least one batch header    LogConfig.segmentBytes
 * </pre>
 * Every other key is refused, so that a typo never passes for a setting.
 */
final class TopicConfigs {
    static final String RETENTION_MS = "retention.ms";
    static final String RETENTION_BYTES = "retention.bytes";
    static final String SEGMENT_BYTES = "segment.bytes";
    static final Set<String> KEYS = Set.of(RETENTION_MS, RETENTION_BYTES, SEGMENT_BYTES);

    /** The smallest retention limit; it means "no limit". */
    private static final long UNLIMITED = -1;

    private TopicConfigs() {
    }

    /** Why the configs cannot be set, or empty if every key is known and every value in range. */
    static Optional<String> problemWith(Map<String, String> configs) {
        for (Map.Entry<String, String> entry : configs.entrySet()) {
            Optional<String> problem = problemWith(entry.getKey(), entry.getValue());
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** Why the changes (an empty value removes a key) cannot be applied, or empty if they can. */
    static Optional<String> problemWithChanges(Map<String, Optional<String>> changes) {
        for (Map.Entry<String, Optional<String>> change : changes.entrySet()) {
            Optional<String> value = change.getValue();
            if (value == null) {
                return Optional.of("config " + change.getKey() + " has a null change; an empty Optional removes a key");
            }
            Optional<String> problem = value.isPresent() ? problemWith(change.getKey(), value.get())
                    : unknownKey(change.getKey());
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** The (valid) configs as stored: values without surrounding blanks, keys sorted. */
    static Map<String, String> normalized(Map<String, String> configs) {
        Map<String, String> result = new TreeMap<>();
        configs.forEach((key, value) -> result.put(key, value.trim()));
        return result;
    }

    /** {@code current} with the changes applied: a present value sets its key, an empty one removes it. */
    static Map<String, String> applyChanges(Map<String, String> current, Map<String, Optional<String>> changes) {
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
    static LogConfig logConfig(LogConfig defaults, Map<String, String> configs) {
        LogConfig config = defaults;
        if (configs.containsKey(SEGMENT_BYTES)) {
            config = config.withSegmentBytes(Integer.parseInt(configs.get(SEGMENT_BYTES).trim()));
        }
        long retentionBytes = configs.containsKey(RETENTION_BYTES)
                ? Long.parseLong(configs.get(RETENTION_BYTES).trim()) : config.retentionBytes();
        long retentionMs = configs.containsKey(RETENTION_MS)
                ? Long.parseLong(configs.get(RETENTION_MS).trim()) : config.retentionMs();
        return config.withRetention(retentionBytes, retentionMs);
    }

    private static Optional<String> problemWith(String key, String value) {
        Optional<String> unknown = unknownKey(key);
        if (unknown.isPresent()) {
            return unknown;
        }
        if (value == null) {
            return Optional.of("config " + key + " has no value");
        }
        return switch (key) {
            case RETENTION_MS, RETENTION_BYTES -> checkLong(key, value, UNLIMITED, Long.MAX_VALUE);
            case SEGMENT_BYTES -> checkLong(key, value, BatchFormat.HEADER_BYTES, Integer.MAX_VALUE);
            default -> throw new IllegalStateException("config " + key + " is known but has no rule");
        };
    }

    private static Optional<String> unknownKey(String key) {
        return key != null && KEYS.contains(key) ? Optional.empty()
                : Optional.of("unknown topic config '" + key + "'; known are " + new TreeSet<>(KEYS));
    }

    private static Optional<String> checkLong(String key, String value, long min, long max) {
        long parsed;
        try {
            parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Optional.of("config " + key + " must be a whole number, not '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            return Optional.of("config " + key + " must be in [" + min + ", " + max + "], not " + parsed);
        }
        return Optional.empty();
    }
}
