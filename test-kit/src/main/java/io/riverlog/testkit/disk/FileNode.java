package io.riverlog.testkit.disk;

import java.util.ArrayList;
import java.util.List;

/** A file: its bytes as of its last force, and the changes since, in the order they were made. */
final class FileNode implements Node {
    final long id;
    final FileBytes durable = new FileBytes();
    final List<FileOp> pending = new ArrayList<>();

    FileNode(long id) {
        this.id = id;
    }

    /** What a force makes durable: every change so far. */
    void force() {
        for (FileOp op : pending) {
            op.applyTo(durable);
        }
        pending.clear();
    }

    @Override
    public String toString() {
        return "file#" + id;
    }
}
