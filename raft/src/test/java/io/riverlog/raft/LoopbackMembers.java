package io.riverlog.raft;

import java.io.IOException;
import java.net.ServerSocket;

/** A {@code --cluster} list of three nodes on loopback, each on a port that was free when asked. */
final class LoopbackMembers {
    private LoopbackMembers() {
    }

    static String ofThree() throws IOException {
        StringBuilder list = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                list.append(id == 1 ? "" : ",").append(id).append("@127.0.0.1:").append(socket.getLocalPort());
            }
        }
        return list.toString();
    }
}
