package io.riverlog.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;


/**
 * The local file system ({@link Storage}) with channels that fail on command, the way a full disk or a dying device
 * fails: {@link #failWrites} makes every write of a log segment throw "No space left on device",
 * {@link #failFsyncs} makes every fsync throw an I/O error ({@link #failNextFsyncs} only the next few, as a
 * passing fault), {@link #fillAfter} lets a few more bytes
 * through and then fails as the disk fills up mid-write (leaving a torn batch). Reads keep working. Only files whose
 * name ends with {@code .log} (under the scope directory, if one is given) are affected, so recovery
 * bookkeeping behaves as on a real disk where small files still fit. Shared with other modules'
 * tests through this module's test jar.
 */
public final class FaultInjectingChannels implements ChannelFactory, Storage {

    private enum Fault { NONE, WRITES, FSYNCS, FILLING }

    private final AtomicReference<Fault> fault = new AtomicReference<>(Fault.NONE);
    private final AtomicLong bytesLeft = new AtomicLong();
    private final AtomicInteger fsyncs = new AtomicInteger();
    private final AtomicInteger fsyncFailuresLeft = new AtomicInteger();
    private final Semaphore heldFsyncs = new Semaphore(0);
    private volatile CountDownLatch fsyncGate;
    private final Path scope;

    /** Faults for every segment file. */
    public FaultInjectingChannels() {
        this(null);
    }

    /** Faults only for segment files under {@code scope}. */
    public FaultInjectingChannels(Path scope) {
        this.scope = scope;
    }

    public void failWrites() {
        fault.set(Fault.WRITES);
    }

    public void failFsyncs() {
        fault.set(Fault.FSYNCS);
    }

    /** The next {@code count} fsyncs of segment files fail, and the ones after them succeed again. */
    public void failNextFsyncs(int count) {
        fsyncFailuresLeft.set(count);
    }

    /** Segment writes succeed for {@code bytes} more bytes (the last one short), then fail as a full disk does. */
    public void fillAfter(long bytes) {
        bytesLeft.set(bytes);
        fault.set(Fault.FILLING);
    }

    /** Every fsync of a segment file from now on waits until {@link #releaseFsyncs}. */
    public void holdFsyncs() {
        fsyncGate = new CountDownLatch(1);
    }

    /** True once an fsync is waiting because of {@link #holdFsyncs}, false if none did within {@code timeout}. */
    public boolean awaitHeldFsync(Duration timeout) throws InterruptedException {
        return heldFsyncs.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets every held fsync go on, and those to come run at once. */
    public void releaseFsyncs() {
        CountDownLatch gate = fsyncGate;
        fsyncGate = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    public void heal() {
        fault.set(Fault.NONE);
        fsyncFailuresLeft.set(0);
    }

    /** How many fsyncs of segment files succeeded. */
    public int fsyncCount() {
        return fsyncs.get();
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        FileChannel channel = FileChannel.open(path, options);
        boolean inScope = scope == null || path.startsWith(scope);
        return inScope && path.getFileName().toString().endsWith(LogFiles.LOG_SUFFIX)
                ? new Faulty(channel, path) : channel;
    }

    // Directory operations are those of the local file system: faults are in the segment files' channels.

    @Override
    public void createDirectory(Path dir) throws IOException {
        Storage.LOCAL.createDirectory(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return Storage.LOCAL.list(dir);
    }

    @Override
    public boolean exists(Path path) {
        return Storage.LOCAL.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Storage.LOCAL.isDirectory(path);
    }

    @Override
    public void delete(Path path) throws IOException {
        Storage.LOCAL.delete(path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Storage.LOCAL.rename(source, target);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        Storage.LOCAL.fsyncDirectory(dir);
    }

    private final class Faulty extends FileChannel {
        private final FileChannel delegate;
        private final Path path;

        Faulty(FileChannel delegate, Path path) {
            this.delegate = delegate;
            this.path = path;
        }

        private void checkWrite() throws IOException {
            if (fault.get() == Fault.WRITES || (fault.get() == Fault.FILLING && bytesLeft.get() <= 0)) {
                throw new IOException("No space left on device (injected) writing " + path);
            }
        }

        /** While filling: at most the bytes left of {@code src} are written, as a short write. */
        private int writeFilling(ByteBuffer src, long position) throws IOException {
            int allowed = (int) Math.min(src.remaining(), bytesLeft.get());
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + allowed);
            int written = position < 0 ? delegate.write(part) : delegate.write(part, position);
            src.position(src.position() + written);
            bytesLeft.addAndGet(-written);
            return written;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            checkWrite();
            if (fault.get() == Fault.FILLING) {
                return writeFilling(src, -1);
            }
            return delegate.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            checkWrite();
            return delegate.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            CountDownLatch gate = fsyncGate;
            if (gate != null) {
                heldFsyncs.release();
                awaitRelease(gate);
            }
            if (fault.get() == Fault.FSYNCS || fsyncFailuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new IOException("Input/output error (injected) in fsync of " + path);
            }
            delegate.force(metaData);
            fsyncs.incrementAndGet();
        }

        private void awaitRelease(CountDownLatch gate) throws IOException {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("held fsync of " + path + " interrupted");
            }
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            checkWrite();
            return delegate.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return delegate.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            checkWrite();
            if (fault.get() == Fault.FILLING) {
                return writeFilling(src, position);
            }
            return delegate.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
