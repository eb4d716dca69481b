package io.riverlog.testkit.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestUtils;

/**
 * Plays one fuzzing connection: sends its frames, then (unless the client closed its side) a
 * well-formed ApiVersions probe, and reads until the probe is answered or the broker closes the
 * connection. Anything else (no answer and no close within the timeout) is a stuck connection.
 */
final class FuzzConnection {
    /** How the connection ended. */
    enum Outcome { ANSWERED, CLOSED_BY_BROKER, STUCK }

    private static final int PROBE_CORRELATION_ID = 0x7fff_0001;
    private static final short PROBE_VERSION = 3;
    private static final byte[] PROBE = probe();

    private FuzzConnection() {
    }

    static Outcome play(String bootstrap, List<FuzzFrames.Frame> frames, Duration timeout) throws IOException {
        String[] hostPort = bootstrap.split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            boolean clientClosed = false;
            try {
                for (FuzzFrames.Frame frame : frames) {
                    out.write(frame.bytes());
                    if (frame.ending() == FuzzFrames.Ending.CLIENT_CLOSES) {
                        socket.shutdownOutput();
                        clientClosed = true;
                        break;
                    }
                }
                if (!clientClosed) {
                    out.write(PROBE);
                }
                out.flush();
            } catch (IOException e) {
                // The broker closed the connection while frames were still being sent: see what the reads say.
            }
            return readUntilProbeOrClose(in);
        }
    }

    private static Outcome readUntilProbeOrClose(DataInputStream in) {
        try {
            while (true) {
                int size = in.readInt();
                if (size < Integer.BYTES) {
                    throw new IllegalStateException("the broker sent a frame of " + size + " bytes");
                }
                byte[] frame = new byte[size];
                in.readFully(frame);
                if (ByteBuffer.wrap(frame).getInt() == PROBE_CORRELATION_ID) {
                    return Outcome.ANSWERED;
                }
            }
        } catch (SocketTimeoutException e) {
            return Outcome.STUCK;
        } catch (EOFException e) {
            return Outcome.CLOSED_BY_BROKER;
        } catch (IOException e) {
            // Reset by the broker: closed as well.
            return Outcome.CLOSED_BY_BROKER;
        }
    }

    private static byte[] probe() {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.API_VERSIONS.id)
                .setRequestApiVersion(PROBE_VERSION).setCorrelationId(PROBE_CORRELATION_ID).setClientId("fuzz-probe");
        ByteBuffer body = RequestUtils.serialize(header, ApiKeys.API_VERSIONS.requestHeaderVersion(PROBE_VERSION),
                new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"),
                PROBE_VERSION);
        return ByteBuffer.allocate(Integer.BYTES + body.remaining()).putInt(body.remaining()).put(body).array();
    }
}
