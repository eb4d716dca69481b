package io.riverlog.testkit.disk;

import java.util.Arrays;

/** The content of a file in memory; writing past its end fills the gap with zeros, as a file system does. */
final class FileBytes {
    private byte[] bytes = new byte[0];
    private int size;

    void write(byte[] data, long position) {
        write(data, 0, data.length, position);
    }

    void write(byte[] data, int from, int length, long position) {
        int at = Math.toIntExact(position);
        int end = at + length;
        if (end > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(end, bytes.length * 2));
        }
        if (at > size) {
            Arrays.fill(bytes, size, at, (byte) 0);
        }
        System.arraycopy(data, from, bytes, at, length);
        size = Math.max(size, end);
    }

    void truncate(long newSize) {
        if (newSize < size) {
            size = (int) newSize;
        }
    }

    FileBytes copy() {
        FileBytes copy = new FileBytes();
        copy.bytes = Arrays.copyOf(bytes, size);
        copy.size = size;
        return copy;
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }
}
