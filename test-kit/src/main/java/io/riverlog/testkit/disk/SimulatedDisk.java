package io.riverlog.testkit.disk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

import io.riverlog.wal.Storage;

/**
 * A disk that can lose power. It is a {@link Storage} over a real directory, whose files are what
 * the page cache would hold; beside them it keeps, for every file, what is durable (its bytes as of
 * its last force) and the writes and truncations since, and for every directory, its durable entries
 * and the creations, removals and renames since its last fsync.
 *
 * <p>{@link #cutPower()} (or {@link #cutPowerAfter} a number of operations) stops the disk: every
 * operation after it fails as a dead machine's would. {@link #restartAfterPowerCut(Random)} then
 * replaces the directory's content with what a power cut at that moment may have left, and returns a
 * disk over it:
 * <ul>
 *   <li>a directory keeps its durable entries, and each entry operation since its last fsync
 *       independently survives or not (in their order; one that no longer applies is skipped);</li>
 *   <li>a file reachable through surviving entries keeps its durable bytes, and each write since its
 *       last force is lost, kept whole, or torn: each 512-byte sector it touched kept or not, so that
 *       later bytes may survive where earlier ones did not (a gap reads as zeros); each truncation
 *       survives or not;</li>
 *   <li>a file or directory whose entry did not survive is gone with everything in it.</li>
 * </ul>
 * Every choice is drawn from the given {@link Random}, so a seed replays a cut exactly.
 *
 * <p>It also checks that the broker does all of its file IO through it: a file in the directory that
 * it did not create is reported when power is cut. Channels may not be opened for {@code APPEND},
 * {@code SYNC} or {@code DSYNC}, nor mapped for writing. Real fsyncs are skipped: durability is
 * modelled, not measured. All operations that change the disk are serialised on it.
 */
public final class SimulatedDisk implements Storage {
    /** Torn writes keep or lose whole sectors of this size. */
    static final int SECTOR_BYTES = 512;

    private final Path root;
    private final Map<Path, Node> live = new HashMap<>();
    private final List<DiskChannel> channels = new ArrayList<>();
    private final DirectoryNode rootNode;
    private long operations;
    private long cutAfterOperations = Long.MAX_VALUE;
    private volatile boolean powerLost;
    private Predicate<Path> failingWrites = path -> false;
    private Predicate<Path> failingForces = path -> false;
    private int forcesToFail = Integer.MAX_VALUE;
    private long nextNodeId;

    /** A disk over {@code root}, a directory that exists; whatever is in it now counts as durable. */
    public SimulatedDisk(Path root) {
        this.root = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(this.root)) {
            throw new IllegalArgumentException(this.root + " is not a directory");
        }
        rootNode = new DirectoryNode(nextNodeId++);
        live.put(this.root, rootNode);
        try {
            adoptDurably(this.root, rootNode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- power

    /** From now on every operation fails, as if the machine had lost power. */
    public synchronized void cutPower() {
        powerLost = true;
    }

    /** Lets {@code count} more operations that change the disk happen, then cuts power before the next one. */
    public synchronized void cutPowerAfter(long count) {
        cutAfterOperations = operations + count;
    }

    public synchronized boolean powerLost() {
        return powerLost;
    }

    /** Operations that changed the disk so far: writes, truncations, forces and directory changes. */
    public synchronized long operations() {
        return operations;
    }

    /**
     * Writes to files that {@code files} accepts fail with "No space left on device" until
     * {@link #heal()}; nothing of them reaches the file.
     */
    public synchronized void failWritesOf(Predicate<Path> files) {
        failingWrites = files;
    }

    /**
     * Forces of files that {@code files} accepts fail with an I/O error until {@link #heal()}. As on
     * Linux, what they should have made durable may or may not be on the disk after a power cut.
     */
    public synchronized void failForcesOf(Predicate<Path> files) {
        failingForces = files;
        forcesToFail = Integer.MAX_VALUE;
    }

    /** As {@link #failForcesOf}, for the next {@code count} forces of such files only. */
    public synchronized void failNextForcesOf(Predicate<Path> files, int count) {
        failingForces = files;
        forcesToFail = count;
    }

    public synchronized void heal() {
        failingWrites = path -> false;
        failingForces = path -> false;
        forcesToFail = Integer.MAX_VALUE;
    }

    /**
     * Replaces the directory's content with what a power cut now may leave (cutting power first if
     * that has not happened), closes every channel the old disk handed out, and returns a disk over
     * the result. Whoever used this disk must have stopped using it.
     */
    public synchronized SimulatedDisk restartAfterPowerCut(Random random) throws IOException {
        powerLost = true;
        checkEverythingIsTracked();
        for (DiskChannel channel : channels) {
            channel.closeUnderlying();
        }
        channels.clear();
        PowerCut cut = new PowerCut(random);
        Map<String, Object> image = cut.imageOf(rootNode);
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                deleteRecursively(entry);
            }
        }
        materialise(root, image);
        return new SimulatedDisk(root);
    }

    // ---------------------------------------------------------------- Storage

    @Override
    public synchronized FileChannel open(Path file, OpenOption... options) throws IOException {
        Path path = inside(file);
        Set<OpenOption> set = Set.of(options);
        for (OpenOption unsupported : List.of(StandardOpenOption.APPEND, StandardOpenOption.SYNC,
                StandardOpenOption.DSYNC, StandardOpenOption.DELETE_ON_CLOSE)) {
            if (set.contains(unsupported)) {
                throw new UnsupportedOperationException(unsupported + " is not modelled by the simulated disk");
            }
        }
        boolean writable = set.contains(StandardOpenOption.WRITE);
        boolean creates = writable
                && (set.contains(StandardOpenOption.CREATE) || set.contains(StandardOpenOption.CREATE_NEW));
        Node existing = live.get(path);
        if (existing instanceof DirectoryNode) {
            return FileChannel.open(path, options);
        }
        FileNode node = (FileNode) existing;
        if (node == null && creates) {
            beginOperation(path);
            FileChannel channel = FileChannel.open(path, options);
            node = new FileNode(nextNodeId++);
            live.put(path, node);
            parentOf(path).pending.add(new EntryOp.Create(path.getFileName().toString(), node));
            return track(new DiskChannel(this, channel, node, path));
        }
        if (node == null) {
            throw new NoSuchFileException(path.toString());
        }
        if (set.contains(StandardOpenOption.CREATE_NEW)) {
            throw new FileAlreadyExistsException(path.toString());
        }
        FileChannel channel = FileChannel.open(path, options);
        if (writable && set.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            beginOperation(path);
            node.pending.add(new FileOp.Truncate(0));
        }
        return track(new DiskChannel(this, channel, node, path));
    }

    @Override
    public synchronized void createDirectory(Path dir) throws IOException {
        Path path = inside(dir);
        beginOperation(path);
        Files.createDirectory(path);
        DirectoryNode node = new DirectoryNode(nextNodeId++);
        live.put(path, node);
        parentOf(path).pending.add(new EntryOp.Create(path.getFileName().toString(), node));
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (Stream<Path> stream = Files.list(inside(dir))) {
            stream.forEach(entries::add);
        }
        entries.sort(null);
        return entries;
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(inside(path));
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(inside(path));
    }

    @Override
    public synchronized void delete(Path target) throws IOException {
        Path path = inside(target);
        beginOperation(path);
        Node node = live.get(path);
        Files.delete(path);
        if (node == null) {
            throw new IllegalStateException(path + " was deleted but the simulated disk never saw it created");
        }
        live.remove(path);
        parentOf(path).pending.add(new EntryOp.Remove(path.getFileName().toString(), node));
    }

    @Override
    public synchronized void rename(Path source, Path target) throws IOException {
        Path from = inside(source);
        Path to = inside(target);
        if (!from.getParent().equals(to.getParent())) {
            throw new UnsupportedOperationException(
                    "renames across directories are not modelled: " + from + " to " + to);
        }
        beginOperation(from);
        Node node = live.get(from);
        if (node == null) {
            throw new NoSuchFileException(from.toString());
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        live.remove(from);
        live.put(to, node);
        if (node instanceof DirectoryNode) {
            // What was under the directory is under its new name now (the nodes keep their entries by name).
            for (Path below : List.copyOf(live.keySet())) {
                if (below.startsWith(from) && !below.equals(from)) {
                    live.put(to.resolve(from.relativize(below)), live.remove(below));
                }
            }
        }
        parentOf(from).pending.add(
                new EntryOp.Rename(from.getFileName().toString(), to.getFileName().toString(), node));
    }

    @Override
    public synchronized void fsyncDirectory(Path dir) throws IOException {
        Path path = inside(dir);
        beginOperation(path);
        if (!(live.get(path) instanceof DirectoryNode node)) {
            throw new NoSuchFileException(path + " is not a directory on the simulated disk");
        }
        for (EntryOp op : node.pending) {
            op.applyTo(node.durable);
        }
        node.pending.clear();
    }

    // ---------------------------------------------------------------- from the channels

    /** Called with the disk's lock held before a channel changes its file. */
    void beforeWrite(Path path) throws IOException {
        beginOperation(path);
        if (failingWrites.test(path)) {
            throw new IOException("No space left on device (simulated) writing " + path);
        }
    }

    void beforeForce(Path path) throws IOException {
        beginOperation(path);
        if (failingForces.test(path) && forcesToFail > 0) {
            if (--forcesToFail == 0) {
                failingForces = any -> false;
                forcesToFail = Integer.MAX_VALUE;
            }
            throw new IOException("Input/output error (simulated) forcing " + path);
        }
    }

    void checkPower(Path path) throws IOException {
        if (powerLost) {
            throw new IOException("the simulated disk lost power; " + path + " cannot be read");
        }
    }

    // ---------------------------------------------------------------- internals

    private void beginOperation(Path path) throws IOException {
        if (!powerLost && operations >= cutAfterOperations) {
            powerLost = true;
        }
        if (powerLost) {
            throw new IOException("the simulated disk lost power; nothing more reaches " + path);
        }
        operations++;
    }

    private DiskChannel track(DiskChannel channel) {
        channels.removeIf(DiskChannel::closed);
        channels.add(channel);
        return channel;
    }

    private Path inside(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        if (!absolute.startsWith(root)) {
            throw new IllegalArgumentException(absolute + " is outside the simulated disk " + root);
        }
        return absolute;
    }

    private DirectoryNode parentOf(Path path) throws IOException {
        if (!(live.get(path.getParent()) instanceof DirectoryNode parent)) {
            throw new NoSuchFileException(path.getParent().toString());
        }
        return parent;
    }

    /** Takes what is under {@code dir} as durable: the state a disk is in after a restart. */
    private void adoptDurably(Path dir, DirectoryNode node) throws IOException {
        for (Path entry : list(dir)) {
            Node child;
            if (Files.isDirectory(entry)) {
                DirectoryNode directory = new DirectoryNode(nextNodeId++);
                adoptDurably(entry, directory);
                child = directory;
            } else {
                FileNode file = new FileNode(nextNodeId++);
                file.durable.write(Files.readAllBytes(entry), 0);
                child = file;
            }
            live.put(entry, child);
            node.durable.put(entry.getFileName().toString(), child);
        }
    }

    private void checkEverythingIsTracked() throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.toList()) {
                if (!live.containsKey(path)) {
                    throw new IllegalStateException(path + " was written behind the simulated disk's back: every"
                            + " file of the broker must go through its Storage");
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void materialise(Path dir, Map<String, Object> image) throws IOException {
        for (Map.Entry<String, Object> entry : image.entrySet()) {
            Path path = dir.resolve(entry.getKey());
            if (entry.getValue() instanceof byte[] bytes) {
                Files.write(path, bytes);
            } else {
                Files.createDirectory(path);
                materialise(path, (Map<String, Object>) entry.getValue());
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path entry : entries.toList()) {
                    deleteRecursively(entry);
                }
            }
        }
        Files.delete(path);
    }
}
