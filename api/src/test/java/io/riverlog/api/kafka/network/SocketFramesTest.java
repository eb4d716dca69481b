package io.riverlog.api.kafka.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.api.kafka.codec.ResponseFrame;

/**
 * {@link FrameWriter} and {@link FrameReader} over a real loopback connection: a frame of buffers
 * and a file region arrives byte for byte, also when the socket fills up on the way; frames arrive
 * whole however the bytes are cut.
 */
class SocketFramesTest {
    private static final int REGION_BYTES = 8 << 20;
    private static final long TIMEOUT_SECONDS = 30;

    private ServerSocketChannel server;
    private SocketChannel brokerSide;
    private Socket clientSide;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        clientSide = new Socket(InetAddress.getLoopbackAddress(), port);
        brokerSide = server.accept();
        brokerSide.configureBlocking(false);
    }

    @AfterEach
    void close() throws IOException {
        clientSide.close();
        brokerSide.close();
        server.close();
    }

    @Test
    void aFrameOfBuffersAndAFileRegionArrivesWholeThoughTheSocketFillsUp(@TempDir Path dir) throws Exception {
        byte[] fileBytes = randomBytes(REGION_BYTES + 100, 1);
        Path file = dir.resolve("segment.log");
        Files.write(file, fileBytes);
        byte[] head = randomBytes(1000, 2);
        byte[] tail = randomBytes(10, 3);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             Selector selector = Selector.open()) {
            ResponseFrame frame = new ResponseFrame(List.of(
                    new ResponseFrame.Buffers(
                            new ByteBuffer[] {ByteBuffer.wrap(head, 0, 500), ByteBuffer.wrap(head, 500, 500)}),
                    new ResponseFrame.FileRegion(channel, 100, REGION_BYTES),
                    new ResponseFrame.Buffers(new ByteBuffer[] {ByteBuffer.wrap(tail)})));
            FrameWriter writer = new FrameWriter(frame);

            // Nobody reads yet: the socket must fill up before the region is through.
            assertThat(writer.writeTo(brokerSide)).as("whole frame sent with nobody reading").isFalse();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readFully(
                    head.length + REGION_BYTES + tail.length));
            brokerSide.register(selector, SelectionKey.OP_WRITE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!writer.writeTo(brokerSide)) {
                assertThat(System.nanoTime()).as("frame sent in time").isLessThan(deadline);
                selector.select(1000);
                selector.selectedKeys().clear();
            }

            byte[] expected = new byte[head.length + REGION_BYTES + tail.length];
            System.arraycopy(head, 0, expected, 0, head.length);
            System.arraycopy(fileBytes, 100, expected, head.length, REGION_BYTES);
            System.arraycopy(tail, 0, expected, head.length + REGION_BYTES, tail.length);
            assertThat(received.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(expected);
        }
    }

    @Test
    void framesArriveWholeWhetherSentByteByByteOrLargerThanTheFirstBuffer() throws Exception {
        byte[] small = randomBytes(37, 4);
        byte[] large = randomBytes(3 << 20, 5);
        OutputStream out = clientSide.getOutputStream();
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                for (byte b : sizePrefixed(small)) {
                    out.write(b);
                    out.flush();
                }
                out.write(sizePrefixed(large));
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        FrameReader reader = new FrameReader(4 << 20);

        assertThat(nextFrame(reader)).isEqualTo(small);
        assertThat(nextFrame(reader)).isEqualTo(large);
        sent.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        clientSide.shutdownOutput();
        assertThat(nextFrame(reader)).isNull();
        assertThat(reader.ended()).isTrue();
    }

    @Test
    void aSizeAboveTheLimitOrBelowZeroIsRefusedBeforeAnyAllocation() throws Exception {
        OutputStream out = clientSide.getOutputStream();
        out.write(ByteBuffer.allocate(4).putInt(1025).array());
        out.flush();
        FrameReader reader = new FrameReader(1024);

        assertThatThrownBy(() -> nextFrame(reader)).isInstanceOf(FrameReader.FrameTooLargeException.class)
                .hasMessageContaining("1025 bytes").hasMessageContaining("max-frame-bytes (1024)");
        out.write(ByteBuffer.allocate(4).putInt(-1).array());
        out.flush();
        assertThatThrownBy(() -> nextFrame(new FrameReader(1024)))
                .isInstanceOf(FrameReader.FrameTooLargeException.class);
    }

    /** The next frame's bytes, or null once the peer has closed; waits for data with a selector. */
    private byte[] nextFrame(FrameReader reader) throws IOException {
        try (Selector selector = Selector.open()) {
            SelectionKey key = brokerSide.register(selector, SelectionKey.OP_READ);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            try {
                while (true) {
                    ByteBuffer frame = reader.read(brokerSide);
                    if (frame != null) {
                        byte[] bytes = new byte[frame.remaining()];
                        frame.get(bytes);
                        return bytes;
                    }
                    if (reader.ended()) {
                        return null;
                    }
                    assertThat(System.nanoTime()).as("frame read in time").isLessThan(deadline);
                    selector.select(1000);
                    selector.selectedKeys().clear();
                }
            } finally {
                key.cancel();
                selector.selectNow();
            }
        }
    }

    private byte[] readFully(int size) {
        try {
            InputStream in = clientSide.getInputStream();
            return in.readNBytes(size);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] sizePrefixed(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
