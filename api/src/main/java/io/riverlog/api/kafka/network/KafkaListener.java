package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
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
 * The Kafka listener: one selector thread that accepts connections and reads their requests, and
 * writes answers whenever a socket that was full has room again. Handlers run asynchronously
 * elsewhere (actors); the thread itself never blocks on anything but the selector.
 */
final class KafkaListener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(KafkaListener.class);
    private static final int BACKLOG = 100;

    private final KafkaSettings settings;
    private final KafkaRequestHandler handler;
    private final KafkaMetrics metrics;
    private final Selector selector;
    private final ServerSocketChannel server;
    private final InetSocketAddress localAddress;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<KafkaConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;
    private final SelectionKey acceptKey;
    /** While accepting is paused after a failure: when to resume (System.nanoTime); else 0. */
    private long acceptResumesAt;

    private KafkaListener(KafkaSettings settings, KafkaRequestHandler handler, KafkaMetrics metrics)
            throws IOException {
        this.settings = settings;
        this.handler = handler;
        this.metrics = metrics;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(settings.host(), settings.port()), BACKLOG);
            server.configureBlocking(false);
            acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            selector.close();
            throw e;
        }
        this.localAddress = (InetSocketAddress) server.getLocalAddress();
        this.thread = new Thread(this, "riverlog-kafka-listener-" + localAddress.getPort());
        thread.setDaemon(true);
    }

    /** Binds and starts the selector thread. */
    static KafkaListener start(KafkaSettings settings, KafkaRequestHandler handler, KafkaMetrics metrics)
            throws IOException {
        KafkaListener listener = new KafkaListener(settings, handler, metrics);
        listener.thread.start();
        log.info("Kafka listener bound to {}", listener.localAddress);
        return listener;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    int port() {
        return localAddress.getPort();
    }

    /** Stops accepting connections; the open ones go on. */
    void unbind() {
        execute(() -> {
            try {
                server.close();
                log.info("Kafka listener on {} stopped accepting connections", localAddress);
            } catch (IOException e) {
                log.warn("Closing the Kafka listener on {} failed: {}", localAddress, e.toString());
            }
        });
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

    private void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (acceptResumesAt == 0) {
                    selector.select();
                } else {
                    selector.select(Math.max(1, (acceptResumesAt - System.nanoTime()) / 1_000_000));
                    resumeAcceptingIfDue();
                }
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
                Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
                while (selected.hasNext()) {
                    SelectionKey key = selected.next();
                    selected.remove();
                    if (key.attachment() == null) {
                        accept();
                    } else {
                        serve(key, (KafkaConnection) key.attachment());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.error("The Kafka listener on {} failed: {}", localAddress, e.toString(), e);
        } finally {
            connections.forEach(KafkaConnection::close);
            try {
                server.close();
                selector.close();
            } catch (IOException e) {
                log.debug("Closing the Kafka listener on {}: {}", localAddress, e.toString());
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel socket;
        while (server.isOpen() && (socket = acceptOrPause()) != null) {
            try {
                socket.configureBlocking(false);
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                InetSocketAddress remote = (InetSocketAddress) socket.getRemoteAddress();
                SelectionKey key = socket.register(selector, SelectionKey.OP_READ);
                KafkaConnection connection = new KafkaConnection(socket, key, this, handler, settings, remote);
                key.attach(connection);
                connections.add(connection);
                metrics.connectionOpened();
            } catch (IOException e) {
                log.debug("Accepting a Kafka connection failed: {}", e.toString());
                socket.close();
            }
        }
    }

    /** The next connection, or null if there is none or accepting failed (and is paused). */
    private SocketChannel acceptOrPause() {
        try {
            return server.accept();
        } catch (IOException e) {
            log.warn("Accepting a Kafka connection on {} failed; accepting again in {}: {}", localAddress,
                    settings.acceptFailurePause(), e.toString());
            acceptKey.interestOps(0);
            acceptResumesAt = System.nanoTime() + settings.acceptFailurePause().toNanos();
            return null;
        }
    }

    private void resumeAcceptingIfDue() {
        if (System.nanoTime() - acceptResumesAt >= 0) {
            acceptResumesAt = 0;
            if (acceptKey.isValid()) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
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
            // A fault of this connection's handling must not end the listener for every client.
            log.error("Closing a Kafka connection after an unexpected failure: {}", e.toString(), e);
            connection.close();
        }
    }
}
