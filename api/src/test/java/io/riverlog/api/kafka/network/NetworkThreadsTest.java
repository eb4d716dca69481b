package io.riverlog.api.kafka.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.riverlog.api.kafka.KafkaMetrics;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.handlers.KafkaRequestHandler;

/**
 * A listener with three network threads, over real sockets: connections are shared out in turn
 * and each stays on its thread; closing some leaves the others, on the same thread or another,
 * served; unbinding stops only accepting; stopping closes every connection and ends every thread.
 * A handler notes the thread that decoded each client's requests.
 */
class NetworkThreadsTest {
    private static final int NETWORK_THREADS = 3;
    private static final int CONNECTIONS = 2 * NETWORK_THREADS;
    private static final short API_VERSIONS_VERSION = 3;
    private static final int TIMEOUT_MS = 30_000;
    /** Above the listener's max-frame-bytes below: the frame that closes its connection. */
    private static final int TOO_LARGE = 2048;

    private final Map<String, String> threadOfClient = new ConcurrentHashMap<>();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final List<Client> clients = new ArrayList<>();
    private KafkaListener listener;

    @BeforeEach
    void startListener() throws IOException {
        KafkaSettings settings = KafkaSettings.fromConfig(ConfigFactory.parseMap(Map.of(
                        "riverlog.kafka.port", 0,
                        "riverlog.kafka.max-frame-bytes", TOO_LARGE - 1,
                        "riverlog.kafka.network-threads", NETWORK_THREADS))
                .withFallback(ConfigFactory.load()));
        KafkaRequestHandler handler = request -> {
            threadOfClient.put(request.header().clientId(), Thread.currentThread().getName());
            return CompletableFuture.completedFuture(Optional.of(new ApiVersionsResponseData()));
        };
        KafkaMetrics metrics = new KafkaMetrics() {
            @Override
            public void connectionOpened() {
                opened.incrementAndGet();
            }

            @Override
            public void connectionClosed() {
                synchronized (closed) {
                    closed.incrementAndGet();
                    closed.notifyAll();
                }
            }
        };
        listener = KafkaListener.start(settings, handler, metrics);
    }

    @AfterEach
    void stopListener() throws IOException {
        listener.stop();
        for (Client client : clients) {
            client.socket.close();
        }
    }

    @Test
    void connectionsAreSharedOutInTurnAndEachStaysOnItsNetworkThread() throws Exception {
        connectClients();

        for (int i = 0; i < CONNECTIONS; i++) {
            assertThat(threadOfClient).containsEntry(clients.get(i).id, networkThreadName(i % NETWORK_THREADS));
        }
        threadOfClient.clear();
        for (Client client : clients) {
            client.askApiVersions();
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            assertThat(threadOfClient).containsEntry(clients.get(i).id, networkThreadName(i % NETWORK_THREADS));
        }
        assertThat(opened).hasValue(CONNECTIONS);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .contains(acceptorThreadName(), networkThreadName(0), networkThreadName(1),
                        networkThreadName(2))
                .doesNotContain(networkThreadName(NETWORK_THREADS));
    }

    @Test
    void closingConnectionsOfOneNetworkThreadLeavesEveryOtherConnectionServed() throws Exception {
        connectClients();

        // Clients 0 and 3 share the first network thread: one leaves, the broker throws the other out.
        clients.get(0).socket.close();
        clients.get(3).sendFrameOfSize(TOO_LARGE);
        assertThat(clients.get(3).closedByListener()).isTrue();
        awaitClosed(2);

        for (int i : new int[] {1, 2, 4, 5}) {
            assertThat(clients.get(i).askApiVersions()).as("client %d", i).isEqualTo(Errors.NONE);
        }
        // The first network thread still serves a connection that arrives after.
        Client late = connect(CONNECTIONS);
        assertThat(late.askApiVersions()).isEqualTo(Errors.NONE);
        assertThat(threadOfClient).containsEntry(late.id, networkThreadName(0));
    }

    @Test
    void unbindingStopsAcceptingWhileOpenConnectionsGoOn() throws Exception {
        connectClients();

        listener.unbind();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (accepts()) {
            assertThat(System.nanoTime()).as("the listener stopped accepting in time").isLessThan(deadline);
        }

        for (Client client : clients) {
            assertThat(client.askApiVersions()).isEqualTo(Errors.NONE);
        }
    }

    @Test
    void stoppingClosesEveryConnectionAndEndsEveryThread() throws Exception {
        connectClients();
        List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(acceptorThreadName())
                        || thread.getName().startsWith("riverlog-kafka-network-" + port() + "-"))
                .toList();
        assertThat(threads).hasSize(NETWORK_THREADS + 1);

        listener.stop();

        for (Client client : clients) {
            assertThat(client.closedByListener()).isTrue();
        }
        for (Thread thread : threads) {
            thread.join(TIMEOUT_MS);
            assertThat(thread.isAlive()).as(thread.getName()).isFalse();
        }
        awaitClosed(CONNECTIONS);
    }

    /** Connects the clients one by one, each answered before the next connects: they are accepted in order. */
    private void connectClients() throws IOException {
        for (int i = 0; i < CONNECTIONS; i++) {
            assertThat(connect(i).askApiVersions()).isEqualTo(Errors.NONE);
        }
    }

    private Client connect(int index) throws IOException {
        Socket socket = new Socket();
        socket.connect(listener.localAddress(), TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        Client client = new Client("client-" + index, socket);
        clients.add(client);
        return client;
    }

    private boolean accepts() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(listener.localAddress(), TIMEOUT_MS);
            return true;
        } catch (SocketException e) {
            // Refused, or reset by a server socket that was closing as the connection reached it.
            return false;
        }
    }

    private void awaitClosed(int connections) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        synchronized (closed) {
            while (closed.get() < connections) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                assertThat(leftMs).as("%d connections closed in time, not %d", connections, closed.get())
                        .isPositive();
                closed.wait(leftMs);
            }
        }
    }

    private int port() {
        return listener.localAddress().getPort();
    }

    private String acceptorThreadName() {
        return "riverlog-kafka-acceptor-" + port();
    }

    private String networkThreadName(int index) {
        return "riverlog-kafka-network-" + port() + "-" + index;
    }

    private static final class Client {
        private final String id;
        private final Socket socket;
        private final DataInputStream in;
        private int correlationId;

        Client(String id, Socket socket) throws IOException {
            this.id = id;
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
        }

        Errors askApiVersions() throws IOException {
            RequestHeaderData headerData = new RequestHeaderData().setRequestApiKey(ApiKeys.API_VERSIONS.id)
                    .setRequestApiVersion(API_VERSIONS_VERSION).setCorrelationId(++correlationId).setClientId(id);
            short headerVersion = ApiKeys.API_VERSIONS.requestHeaderVersion(API_VERSIONS_VERSION);
            ByteBuffer bytes = RequestUtils.serialize(headerData, headerVersion, new ApiVersionsRequestData()
                    .setClientSoftwareName("test").setClientSoftwareVersion("1"), API_VERSIONS_VERSION);
            socket.getOutputStream().write(ByteBuffer.allocate(4 + bytes.remaining()).putInt(bytes.remaining())
                    .put(bytes).array());
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            AbstractResponse response = AbstractResponse.parseResponse(ByteBuffer.wrap(frame),
                    new RequestHeader(headerData, headerVersion));
            return Errors.forCode(((ApiVersionsResponse) response).data().errorCode());
        }

        void sendFrameOfSize(int size) throws IOException {
            socket.getOutputStream().write(ByteBuffer.allocate(4).putInt(size).array());
        }

        boolean closedByListener() {
            try {
                return in.read() < 0;
            } catch (IOException e) {
                return true;
            }
        }
    }
}
