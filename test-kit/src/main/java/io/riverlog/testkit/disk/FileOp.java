package io.riverlog.testkit.disk;

/** A change to a file's bytes that is not durable until the file is forced. */
sealed interface FileOp {

    void applyTo(FileBytes bytes);

    /** {@code bytes} written at {@code position}. */
    record Write(long position, byte[] bytes) implements FileOp {
        @Override
        public void applyTo(FileBytes file) {
            file.write(bytes, position);
        }
    }

    record Truncate(long size) implements FileOp {
        @Override
        public void applyTo(FileBytes file) {
            file.truncate(size);
        }
    }
}
