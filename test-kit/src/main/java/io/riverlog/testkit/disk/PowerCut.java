package io.riverlog.testkit.disk;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What one power cut leaves of a {@link SimulatedDisk}: durable state, plus a random part of what was
 * not yet durable (see the disk's class comment for the rules). Each node is decided once.
 */
final class PowerCut {
    private final Random random;
    private final Map<FileNode, byte[]> contents = new IdentityHashMap<>();

    PowerCut(Random random) {
        this.random = random;
    }

    /** The tree under {@code dir}: a name maps to a file's bytes or to the tree of a directory. */
    Map<String, Object> imageOf(DirectoryNode dir) {
        Map<String, Node> entries = new TreeMap<>(dir.durable);
        for (EntryOp op : dir.pending) {
            if (random.nextBoolean()) {
                op.applyTo(entries);
            }
        }
        Map<String, Object> image = new TreeMap<>();
        for (Map.Entry<String, Node> entry : entries.entrySet()) {
            Node node = entry.getValue();
            image.put(entry.getKey(), node instanceof DirectoryNode directory ? imageOf(directory)
                    : contents.computeIfAbsent((FileNode) node, this::contentOf));
        }
        return image;
    }

    private byte[] contentOf(FileNode file) {
        FileBytes bytes = file.durable.copy();
        for (FileOp op : file.pending) {
            if (op instanceof FileOp.Write write) {
                switch (random.nextInt(3)) {
                    case 0 -> { }
                    case 1 -> write.applyTo(bytes);
                    default -> applyTorn(write, bytes);
                }
            } else if (random.nextBoolean()) {
                op.applyTo(bytes);
            }
        }
        return bytes.toArray();
    }

    /** Each sector the write touched is kept or lost on its own. */
    private void applyTorn(FileOp.Write write, FileBytes bytes) {
        long position = write.position();
        int from = 0;
        while (from < write.bytes().length) {
            long sectorEnd = (position / SimulatedDisk.SECTOR_BYTES + 1) * SimulatedDisk.SECTOR_BYTES;
            int length = (int) Math.min(write.bytes().length - from, sectorEnd - position);
            if (random.nextBoolean()) {
                bytes.write(write.bytes(), from, length, position);
            }
            from += length;
            position += length;
        }
    }
}
