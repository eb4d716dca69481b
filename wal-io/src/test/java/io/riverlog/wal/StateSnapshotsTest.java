package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file: what is whole and passes its CRC reads back; anything else is absent. */
class StateSnapshotsTest {
    private static final long OFFSET = 4096;
    private static final byte[] STATE = "producers 7, 9 and 11".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void aSnapshotReadsBackAsWrittenUnderItsOffsetsName() throws IOException {
        StateSnapshots snapshots = new StateSnapshots(dir, Storage.LOCAL, new TreeSet<>());
        snapshots.write(OFFSET, ByteBuffer.wrap(STATE));
        snapshots.write(OFFSET, ByteBuffer.wrap(STATE));

        assertThat(dir.resolve("00000000000000004096.snapshot")).exists();
        assertThat(snapshots.read(OFFSET)).isEqualTo(ByteBuffer.wrap(STATE));
        assertThat(snapshots.read(OFFSET + 1)).isNull();
        assertThat(snapshots.newestFirst()).containsExactly(OFFSET);
    }

    @Test
    void aSnapshotCutAtAnyLengthIsAbsent() {
        byte[] whole = bytesOf(StateSnapshots.encode(OFFSET, ByteBuffer.wrap(STATE)));
        for (int length = 0; length < whole.length; length++) {
            assertThat(StateSnapshots.decode(Arrays.copyOf(whole, length), OFFSET)).as("cut at %d", length).isNull();
        }
        assertThat(StateSnapshots.decode(Arrays.copyOf(whole, whole.length + 1), OFFSET)).as("a byte too many")
                .isNull();
    }

    @Test
    void aSnapshotWithAnyBitFlippedIsAbsent() {
        byte[] whole = bytesOf(StateSnapshots.encode(OFFSET, ByteBuffer.wrap(STATE)));
        for (int position = 0; position < whole.length; position++) {
            for (int bit = 0; bit < Byte.SIZE; bit++) {
                byte[] flipped = whole.clone();
                flipped[position] ^= (byte) (1 << bit);
                assertThat(StateSnapshots.decode(flipped, OFFSET)).as("bit %d of byte %d", bit, position).isNull();
            }
        }
    }

    @Test
    void aSnapshotUnderAnotherOffsetsNameOrOfAnotherVersionIsAbsent() {
        byte[] whole = bytesOf(StateSnapshots.encode(OFFSET, ByteBuffer.wrap(STATE)));
        assertThat(StateSnapshots.decode(whole, OFFSET + 1)).isNull();
        byte[] zeros = new byte[whole.length];
        assertThat(StateSnapshots.decode(zeros, OFFSET)).isNull();
    }

    @Test
    void deletionBelowAnOffsetKeepsTheNewestAndDeletionBetweenKeepsBothEnds() throws IOException {
        StateSnapshots snapshots = new StateSnapshots(dir, Storage.LOCAL, new TreeSet<>());
        for (long offset : new long[] {0, 100, 200, 250, 300}) {
            snapshots.write(offset, ByteBuffer.wrap(STATE));
        }

        assertThat(snapshots.deleteBetween(200, 300)).isEqualTo(1);
        assertThat(snapshots.deleteBelow(150)).isEqualTo(2);
        assertThat(snapshots.deleteBelow(Long.MAX_VALUE)).as("all but the newest").isEqualTo(1);

        assertThat(snapshots.newestFirst()).containsExactly(300L);
        try (var files = Files.list(dir)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactly(LogFiles.fileName(300, LogFiles.SNAPSHOT_SUFFIX));
        }
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
