package io.riverlog.api.broker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.riverlog.actors.partition.CleanerSettings;
import io.riverlog.actors.topics.BlockingIo;

/**
 * Refuses a configuration that sets a key under {@code riverlog} the broker does not know, instead of
 * ignoring it: a typo, or a setting that has moved, would otherwise leave the default in force
 * unnoticed. The known keys are those of the merged reference.conf files, every module's defaults.
 * The dispatchers' sub-trees (blocking IO, log cleaner) are open, as Pekko reads any dispatcher setting
 * from them. A key
 * that was moved, replaced or removed is named with where it went; a near miss of a known key (or a
 * known key under another parent) is suggested. {@code Main} checks the whole configuration (flags,
 * the {@code --config} file, system properties, an application.conf) before it reads any setting.
 */
public final class KnownSettings {
    private static final String ROOT = "riverlog";
    /** Sub-trees whose keys are not Riverlog's: Pekko reads them as a dispatcher's configuration. */
    private static final Set<String> OPEN = Set.of(BlockingIo.DISPATCHER, CleanerSettings.DISPATCHER);
    /**
     * Keys that were settings once, and what became of them. A setting that is renamed, moved or removed
     * gets an entry here, so that a configuration that still has it says where it went.
     */
    static final Map<String, String> RETIRED = Map.of(
            "riverlog.kafka.max-message-bytes", "was moved to riverlog.partition.max-message-bytes",
            "riverlog.metrics.latency-histogram-min", "was replaced by riverlog.metrics.latency-buckets",
            "riverlog.metrics.latency-histogram-max", "was replaced by riverlog.metrics.latency-buckets",
            "riverlog.partition.producer-state-scan-bytes", "was removed: producer state is restored from snapshots"
                    + " and the batches after them, however far back a producer's last batch lies");
    /** The most single-character edits between a key and a known sibling that make it a near miss. */
    private static final int NEAR_MISS_EDITS = 2;

    private KnownSettings() {
    }

    /** A configuration with keys under {@code riverlog} that are not settings: all of them, in one line. */
    public static final class UnknownSettingException extends ConfigException {
        private static final long serialVersionUID = 1L;

        UnknownSettingException(String message) {
            super(message);
        }
    }

    /**
     * @throws UnknownSettingException naming each key under {@code riverlog} of {@code config} that no
     *                                 reference.conf has, with where it was set
     */
    public static void check(Config config) {
        // Not ConfigFactory.defaultReference: that has the system properties over it, which would make theirs known.
        check(config, ConfigFactory.defaultReferenceUnresolved(KnownSettings.class.getClassLoader()).resolve());
    }

    static void check(Config config, Config reference) {
        List<String> problems = new ArrayList<>();
        if (config.root().get(ROOT) instanceof ConfigObject settings) {
            walk(settings, List.of(ROOT), reference, problems);
        }
        if (!problems.isEmpty()) {
            throw new UnknownSettingException(String.join("; ", problems));
        }
    }

    private static void walk(ConfigObject given, List<String> parent, Config reference, List<String> problems) {
        for (String key : new TreeSet<>(given.keySet())) {
            List<String> elements = append(parent, key);
            String path = ConfigUtil.joinPath(elements);
            ConfigValue value = given.get(key);
            String where = path + " (" + value.origin().description() + ")";
            if (OPEN.contains(path)) {
                continue;
            }
            if (RETIRED.containsKey(path)) {
                problems.add(where + " " + RETIRED.get(path));
            } else if (!reference.hasPathOrNull(path)) {
                problems.add(where + " is not a setting" + suggestion(parent, key, reference));
            } else if (value instanceof ConfigObject object && isObject(reference, path)) {
                walk(object, elements, reference, problems);
            }
            // A value where the reference has a sub-tree, or the other way round, is reported by whoever reads it.
        }
    }

    /** " (did you mean riverlog.kafka.port?)": a near miss among its siblings, else the same key elsewhere; or "". */
    private static String suggestion(List<String> parent, String key, Config reference) {
        Optional<String> nearMiss = reference.getObject(ConfigUtil.joinPath(parent)).keySet().stream()
                .filter(sibling -> edits(sibling, key) <= NEAR_MISS_EDITS)
                .min(Comparator.comparingInt((String sibling) -> edits(sibling, key)).thenComparing(s -> s));
        List<String> candidates = new ArrayList<>();
        if (nearMiss.isPresent()) {
            candidates.add(ConfigUtil.joinPath(append(parent, nearMiss.get())));
        } else {
            sameKey(reference.getObject(ROOT), List.of(ROOT), key, candidates);
        }
        return candidates.isEmpty() ? "" : " (did you mean " + String.join(" or ", candidates) + "?)";
    }

    /** Every path under {@code object} (outside the open sub-trees) whose last key is {@code key}. */
    private static void sameKey(ConfigObject object, List<String> parent, String key, List<String> found) {
        for (String child : new TreeSet<>(object.keySet())) {
            List<String> elements = append(parent, child);
            String path = ConfigUtil.joinPath(elements);
            if (OPEN.contains(path)) {
                continue;
            }
            if (child.equals(key)) {
                found.add(path);
            }
            if (object.get(child) instanceof ConfigObject inner) {
                sameKey(inner, elements, key, found);
            }
        }
    }

    private static boolean isObject(Config config, String path) {
        return config.hasPath(path) && config.getValue(path).valueType() == ConfigValueType.OBJECT;
    }

    private static List<String> append(List<String> parent, String key) {
        List<String> elements = new ArrayList<>(parent);
        elements.add(key);
        return elements;
    }

    /** Levenshtein distance: the fewest insertions, deletions and substitutions that turn {@code a} into {@code b}. */
    static int edits(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
