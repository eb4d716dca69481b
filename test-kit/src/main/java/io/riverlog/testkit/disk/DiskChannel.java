package io.riverlog.testkit.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A channel of a {@link SimulatedDisk}: reads and writes go to the real file (the page cache); every
 * write and truncation is also remembered as not yet durable, and a force makes them durable in the
 * disk's model. Changes hold the disk's lock.
 */
final class DiskChannel extends FileChannel {
    private final SimulatedDisk disk;
    private final FileChannel file;
    private final FileNode node;
    private final Path path;

    DiskChannel(SimulatedDisk disk, FileChannel file, FileNode node, Path path) {
        this.disk = disk;
        this.file = file;
        this.node = node;
        this.path = path;
    }

    // ---------------------------------------------------------------- changes

    @Override
    public int write(ByteBuffer source, long position) throws IOException {
        synchronized (disk) {
            disk.beforeWrite(path);
            ByteBuffer written = source.duplicate();
            int count = file.write(source, position);
            byte[] bytes = new byte[count];
            written.get(bytes);
            node.pending.add(new FileOp.Write(position, bytes));
            return count;
        }
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        synchronized (disk) {
            long position = file.position();
            int count = write(source, position);
            file.position(position + count);
            return count;
        }
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        synchronized (disk) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                while (sources[i].hasRemaining()) {
                    total += write(sources[i]);
                }
            }
            return total;
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        synchronized (disk) {
            disk.beforeWrite(path);
            if (size < file.size()) {
                node.pending.add(new FileOp.Truncate(size));
            }
            file.truncate(size);
            return this;
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        synchronized (disk) {
            disk.beforeForce(path);
            node.force();
        }
    }

    @Override
    public long transferFrom(ReadableByteChannel source, long position, long count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
        int read = source.read(buffer);
        if (read <= 0) {
            return 0;
        }
        return write(buffer.flip(), position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        if (mode != MapMode.READ_ONLY) {
            throw new UnsupportedOperationException("writes through a mapping are not modelled by the simulated disk");
        }
        disk.checkPower(path);
        return file.map(mode, position, size);
    }

    // ---------------------------------------------------------------- reads and the rest

    @Override
    public int read(ByteBuffer destination) throws IOException {
        disk.checkPower(path);
        return file.read(destination);
    }

    @Override
    public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
        disk.checkPower(path);
        return file.read(destinations, offset, length);
    }

    @Override
    public int read(ByteBuffer destination, long position) throws IOException {
        disk.checkPower(path);
        return file.read(destination, position);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        disk.checkPower(path);
        return file.transferTo(position, count, target);
    }

    @Override
    public long position() throws IOException {
        return file.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return file.size();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return file.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return file.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }

    boolean closed() {
        return !isOpen();
    }

    /** Closes the real file under a channel its user abandoned when the power went. */
    void closeUnderlying() throws IOException {
        file.close();
    }
}
