package io.riverlog.actors.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** The tail buffer's two bounds: its own, and that of all buffers together. */
class TailBufferTest {
    private static final int BATCH = 100;

    @Test
    void aBufferPastItsOwnBoundDropsItsOldestBatches() {
        BufferMemory memory = new BufferMemory(10_000);
        TailBuffer buffer = new TailBuffer(3 * BATCH, memory);

        for (long offset = 0; offset < 5; offset++) {
            buffer.add(offset, offset, batch());
        }

        assertThat(buffer.sizeInBytes()).isEqualTo(3 * BATCH);
        assertThat(buffer.minOffset()).isEqualTo(2);
        assertThat(memory.usedBytes()).isEqualTo(3 * BATCH);
    }

    @Test
    void buffersTogetherStayWithinTheSharedBoundTheAppenderGivingWay() {
        BufferMemory memory = new BufferMemory(5 * BATCH);
        TailBuffer idle = new TailBuffer(10 * BATCH, memory);
        TailBuffer busy = new TailBuffer(10 * BATCH, memory);
        for (long offset = 0; offset < 3; offset++) {
            idle.add(offset, offset, batch());
        }

        for (long offset = 0; offset < 20; offset++) {
            busy.add(offset, offset, batch());
            assertThat(memory.usedBytes()).as("after append %d", offset).isLessThanOrEqualTo(5 * BATCH);
        }

        assertThat(idle.sizeInBytes()).isEqualTo(3 * BATCH);
        assertThat(busy.sizeInBytes()).isEqualTo(2 * BATCH);
        assertThat(busy.minOffset()).isEqualTo(18);
        assertThat(busy.read(18, Integer.MAX_VALUE, Long.MAX_VALUE).nextOffset()).isEqualTo(20);
    }

    @Test
    void truncatingAndClearingGiveTheBytesBack() {
        BufferMemory memory = new BufferMemory(10_000);
        TailBuffer buffer = new TailBuffer(10_000, memory);
        for (long offset = 0; offset < 4; offset++) {
            buffer.add(offset, offset, batch());
        }

        buffer.truncateFrom(2);
        assertThat(memory.usedBytes()).isEqualTo(2 * BATCH);
        buffer.clear();
        assertThat(memory.usedBytes()).isZero();
        assertThat(buffer.minOffset()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aBatchThatIsASmallViewOfALargerRequestIsKeptAsACopyOfItsOwnBytes() {
        TailBuffer buffer = new TailBuffer(10_000, new BufferMemory(10_000));
        byte[] request = new byte[10 * BATCH];
        request[3 * BATCH] = 42;
        ByteBuffer whole = ByteBuffer.wrap(new byte[BATCH]);

        buffer.add(0, 0, ByteBuffer.wrap(request, 3 * BATCH, BATCH).slice());
        buffer.add(1, 1, whole);

        ByteBuffer kept = buffer.read(0, BATCH, Long.MAX_VALUE).batches().get(0);
        assertThat(kept.array()).as("a copy as large as the batch").hasSize(BATCH).isNotSameAs(request);
        assertThat(kept.get(kept.position())).isEqualTo((byte) 42);
        assertThat(buffer.read(1, BATCH, Long.MAX_VALUE).batches().get(0).array()).isSameAs(whole.array());
    }

    private static ByteBuffer batch() {
        return ByteBuffer.allocate(BATCH);
    }
}
