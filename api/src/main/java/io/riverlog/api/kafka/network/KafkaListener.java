package io.riverlog.api.kafka.network;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.handlers.KafkaRequestHandler;

/**
 * The Kafka listener: the server socket, its acceptor thread, and the network threads that serve
 * the connections. The acceptor only accepts, and hands each new connection to the next network
 * thread in turn; it pauses after a failed accept rather than retry in a busy loop.
 */
final class KafkaListener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(KafkaListener.class);
    private static final int BACKLOG = 100;

    private final Selector selector;
    private final ServerSocketChannel server;
    private final SelectionKey acceptKey;
    private final InetSocketAddress localAddress;
    private final Duration acceptFailurePause;
    private final List<NetworkThread> networkThreads;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    /** While accepting is paused after a failure: when to resume (System.nanoTime); else 0. */
    private long acceptResumesAt;
    /** The network thread that gets the next connection, unless it has ended. */
    private int next;

    private KafkaListener(KafkaSettings settings, KafkaRequestHandler handler, KafkaMetrics metrics)
            throws IOException {
        this.acceptFailurePause = settings.acceptFailurePause();
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        List<NetworkThread> threads = new ArrayList<>();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(settings.host(), settings.port()), BACKLOG);
            server.configureBlocking(false);
            acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            this.localAddress = (InetSocketAddress) server.getLocalAddress();
            for (int i = 0; i < settings.networkThreads(); i++) {
                threads.add(new NetworkThread(settings, handler, metrics, localAddress.getPort(), i));
            }
        } catch (IOException e) {
            threads.forEach(NetworkThread::discard);
            server.close();
            selector.close();
            throw e;
        }
        this.networkThreads = List.copyOf(threads);
        this.thread = new Thread(this, "riverlog-kafka-acceptor-" + localAddress.getPort());
        thread.setDaemon(true);
    }

    /** Binds and starts the acceptor and the network threads. */
    static KafkaListener start(KafkaSettings settings, KafkaRequestHandler handler, KafkaMetrics metrics)
            throws IOException {
        KafkaListener listener = new KafkaListener(settings, handler, metrics);
        listener.networkThreads.forEach(NetworkThread::start);
        listener.thread.start();
        log.info("Kafka listener bound to {}; network threads serving it: {}", listener.localAddress,
                listener.networkThreads.size());
        return listener;
    }

    InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Stops accepting connections; the open ones go on. */
    void unbind() {
        tasks.add(() -> {
            try {
                server.close();
                log.info("Kafka listener on {} stopped accepting connections", localAddress);
            } catch (IOException e) {
                log.warn("Closing the Kafka listener on {} failed: {}", localAddress, e.toString());
            }
        });
        selector.wakeup();
    }

    /** Closes every connection and ends every thread. */
    void stop() {
        running = false;
        selector.wakeup();
        networkThreads.forEach(NetworkThread::stop);
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
                if (!selector.selectedKeys().isEmpty()) {
                    selector.selectedKeys().clear();
                    accept();
                }
            }
        } catch (IOException | RuntimeException e) {
            log.error("The Kafka acceptor on {} failed: {}", localAddress, e.toString(), e);
        } finally {
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
            } catch (IOException e) {
                log.debug("Accepting a Kafka connection failed: {}", e.toString());
                socket.close();
                continue;
            }
            NetworkThread networkThread = nextNetworkThread();
            if (networkThread == null) {
                socket.close();
            } else {
                networkThread.handOver(socket);
            }
        }
    }

    /** The next network thread in turn that still runs; null if none does. */
    private NetworkThread nextNetworkThread() {
        for (int tried = 0; tried < networkThreads.size(); tried++) {
            NetworkThread candidate = networkThreads.get(next);
            next = (next + 1) % networkThreads.size();
            if (candidate.running()) {
                return candidate;
            }
        }
        return null;
    }

    /** The next connection, or null if there is none or accepting failed (and is paused). */
    private SocketChannel acceptOrPause() {
        try {
            return server.accept();
        } catch (IOException e) {
            log.warn("Accepting a Kafka connection on {} failed; accepting again in {}: {}", localAddress,
                    acceptFailurePause, e.toString());
            acceptKey.interestOps(0);
            acceptResumesAt = System.nanoTime() + acceptFailurePause.toNanos();
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
}
