package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.handlers.KafkaRequestHandler;

/**
 * One network thread of a listener: its own selector, and the connections the acceptor handed to
 * it, for their whole life. It reads and decodes their requests, calls the handler, and writes
 * answers whenever a socket that was full has room again. It never blocks on anything but its
 * selector.
 */
final class NetworkThread implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(NetworkThread.class);

    private final KafkaSettings settings;
    private final KafkaRequestHandler handler;
    private final KafkaMetrics metrics;
    private final int port;
    private final Selector selector;
    private final Thread thread;
    /** Accepted sockets not yet registered: only this thread registers them with its selector. */
    private final ConcurrentLinkedQueue<SocketChannel> handedOver = new ConcurrentLinkedQueue<>();
    private final Set<KafkaConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    NetworkThread(KafkaSettings settings, KafkaRequestHandler handler, KafkaMetrics metrics, int port, int index)
            throws IOException {
        this.settings = settings;
        this.handler = handler;
        this.metrics = metrics;
        this.port = port;
        this.selector = Selector.open();
        this.thread = new Thread(this, "riverlog-kafka-network-" + port + "-" + index);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Releases the selector of a thread that was never started. */
    void discard() {
        closeSelector();
    }

    /** The listener's port, which requests carry to their handlers. */
    int port() {
        return port;
    }

    boolean running() {
        return running;
    }

    /**
     * Hands an accepted, non-blocking socket to this thread, which registers it at its next turn:
     * registering from another thread would block while this one is inside select().
     */
    void handOver(SocketChannel socket) {
        handedOver.add(socket);
        selector.wakeup();
        if (!running) {
            // The thread may have closed what was waiting before this socket arrived.
            closeHandedOver();
        }
    }

    /** Closes every connection and ends the thread. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    /** Makes the selector notice interest changes made from another thread. */
    void wakeUp() {
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    void closed(KafkaConnection connection) {
        if (connections.remove(connection)) {
            metrics.connectionClosed();
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                selector.select();
                for (SocketChannel socket = handedOver.poll(); socket != null; socket = handedOver.poll()) {
                    register(socket);
                }
                Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
                while (selected.hasNext()) {
                    SelectionKey key = selected.next();
                    selected.remove();
                    serve(key, (KafkaConnection) key.attachment());
                }
            }
        } catch (IOException | RuntimeException e) {
            log.error("Kafka network thread {} failed: {}", thread.getName(), e.toString(), e);
        } finally {
            running = false;
            closeHandedOver();
            connections.forEach(KafkaConnection::close);
            closeSelector();
        }
    }

    private void closeSelector() {
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("Closing the selector of {}: {}", thread.getName(), e.toString());
        }
    }

    private void register(SocketChannel socket) {
        try {
            InetSocketAddress remote = (InetSocketAddress) socket.getRemoteAddress();
            SelectionKey key = socket.register(selector, SelectionKey.OP_READ);
            KafkaConnection connection = new KafkaConnection(socket, key, this, handler, settings, remote);
            key.attach(connection);
            connections.add(connection);
            metrics.connectionOpened();
        } catch (IOException e) {
            log.debug("Registering a Kafka connection failed: {}", e.toString());
            closeQuietly(socket);
        }
    }

    private void closeHandedOver() {
        for (SocketChannel socket = handedOver.poll(); socket != null; socket = handedOver.poll()) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("Closing a Kafka connection: {}", e.toString());
        }
    }

    private static void serve(SelectionKey key, KafkaConnection connection) {
        try {
            if (key.isReadable()) {
                connection.onReadable();
            }
            if (key.isValid() && key.isWritable()) {
                connection.onWritable();
            }
        } catch (IOException | CancelledKeyException e) {
            connection.close();
        } catch (RuntimeException e) {
            // A fault of this connection's handling must not end the thread for every other client.
            log.error("Closing a Kafka connection after an unexpected failure: {}", e.toString(), e);
            connection.close();
        }
    }
}
