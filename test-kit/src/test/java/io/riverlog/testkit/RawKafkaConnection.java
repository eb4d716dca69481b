package io.riverlog.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

/** A bare Kafka protocol connection for tests that must send exactly the bytes they choose. */
public final class RawKafkaConnection implements AutoCloseable {
    private static final int TIMEOUT_MS = 30_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    public RawKafkaConnection(String bootstrap) throws IOException {
        this(bootstrap, 0);
    }

    /** A connection whose socket receive buffer is {@code receiveBufferBytes} (0: the system's). */
    public RawKafkaConnection(String bootstrap, int receiveBufferBytes) throws IOException {
        String[] hostPort = bootstrap.split(":");
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), TIMEOUT_MS);
        socket.setSoTimeout(TIMEOUT_MS);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends a request in {@code version} and reads its response. */
    public AbstractResponse call(ApiKeys key, short version, ApiMessage body) throws IOException {
        return receive(send(key, version, body));
    }

    /** Reads the next response, the answer to {@code request} (parsing checks the correlation id). */
    public AbstractResponse receive(RequestHeader header) throws IOException {
        int size = in.readInt();
        byte[] frame = new byte[size];
        in.readFully(frame);
        return AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header);
    }

    public RequestHeader send(ApiKeys key, short version, ApiMessage body) throws IOException {
        RequestHeaderData headerData = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(++correlationId).setClientId("raw-test");
        ByteBuffer bytes = RequestUtils.serialize(headerData, key.requestHeaderVersion(version), body, version);
        ByteBuffer frame = ByteBuffer.allocate(4 + bytes.remaining()).putInt(bytes.remaining()).put(bytes).flip();
        writeRaw(frame.array());
        return new RequestHeader(headerData, key.requestHeaderVersion(version));
    }

    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** True once the broker has closed the connection (a read sees the end of the stream). */
    public boolean closedByBroker() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
