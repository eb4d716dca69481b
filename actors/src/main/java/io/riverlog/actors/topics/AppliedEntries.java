package io.riverlog.actors.topics;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * In a cluster, the metadata group's entries as this node's registry carries them out: those applied
 * by the group but not yet carried out wait here in log order (carrying one out may take a while:
 * removing a deleted topic's partitions, or leftovers under a new one's names, runs on the
 * blocking-IO dispatcher, and entries behind it wait), and for the last few carried out, the topic
 * each left, which answers the change of this node that the entry holds. Used only on the
 * registry's own thread.
 */
final class AppliedEntries {
    /** Results kept for changes whose acceptance reaches the registry after the entry was carried out. */
    private static final int RESULTS_KEPT = 64;

    private final ArrayDeque<MetadataStateMachine.Applied> waiting = new ArrayDeque<>();
    private final Map<Long, TopicInfo> results = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, TopicInfo> eldest) {
            return size() > RESULTS_KEPT;
        }
    };
    /** The last entry carried out. */
    private long carriedOut = -1;
    private MetadataStateMachine.Applied inProgress;

    void add(MetadataStateMachine.Applied applied) {
        waiting.add(applied);
    }

    /** The next entry to carry out, if none is in progress; it is in progress until {@link #done}. */
    Optional<MetadataStateMachine.Applied> next() {
        if (inProgress != null || waiting.isEmpty()) {
            return Optional.empty();
        }
        inProgress = waiting.poll();
        return Optional.of(inProgress);
    }

    /** The entry in progress is carried out; {@code topic} is what it left (null for none). */
    void done(TopicInfo topic) {
        carriedOut = inProgress.index();
        if (topic != null) {
            results.put(carriedOut, topic);
        }
        inProgress = null;
    }

    MetadataStateMachine.Applied inProgress() {
        return inProgress;
    }

    /** True once the entry at {@code index} was carried out. */
    boolean reached(long index) {
        return carriedOut >= index;
    }

    /** The topic as the entry at {@code index} left it, if it changed one and is still remembered. */
    Optional<TopicInfo> resultOf(long index) {
        return Optional.ofNullable(results.get(index));
    }

    void clear() {
        waiting.clear();
    }
}
