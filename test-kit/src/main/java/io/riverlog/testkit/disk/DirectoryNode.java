package io.riverlog.testkit.disk;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A directory: its entries as of its last fsync, and the entry changes since, in order. */
final class DirectoryNode implements Node {
    final long id;
    final Map<String, Node> durable = new TreeMap<>();
    final List<EntryOp> pending = new ArrayList<>();

    DirectoryNode(long id) {
        this.id = id;
    }

    @Override
    public String toString() {
        return "directory#" + id;
    }
}
