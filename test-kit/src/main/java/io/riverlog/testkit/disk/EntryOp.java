package io.riverlog.testkit.disk;

import java.util.Map;

/**
 * A change to a directory's entries that is not durable until the directory is fsynced. Applied to
 * entries where an earlier change did not survive, a change that no longer fits does nothing.
 */
sealed interface EntryOp {

    void applyTo(Map<String, Node> entries);

    record Create(String name, Node node) implements EntryOp {
        @Override
        public void applyTo(Map<String, Node> entries) {
            entries.putIfAbsent(name, node);
        }
    }

    record Remove(String name, Node node) implements EntryOp {
        @Override
        public void applyTo(Map<String, Node> entries) {
            entries.remove(name, node);
        }
    }

    /** An atomic rename within the directory; whatever had the new name is replaced. */
    record Rename(String from, String to, Node node) implements EntryOp {
        @Override
        public void applyTo(Map<String, Node> entries) {
            if (entries.remove(from, node)) {
                entries.put(to, node);
            }
        }
    }
}
