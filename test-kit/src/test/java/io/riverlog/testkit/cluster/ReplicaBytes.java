package io.riverlog.testkit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A partition replica's records as they are on disk, to compare replicas byte for byte. */
final class ReplicaBytes {

    private ReplicaBytes() {
    }

    /** The segments' bytes of the replica under the node's {@code dataDir}, in order (a String to compare). */
    static String of(Path dataDir, String topic, int partition) {
        Path dir = dataDir.resolve("topics").resolve(topic + "-" + partition);
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder out = new StringBuilder();
            for (Path segment : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                out.append(new String(Files.readAllBytes(segment), StandardCharsets.ISO_8859_1));
            }
            return out.toString();
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
