package io.riverlog.api.cluster;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import io.riverlog.actors.replica.GroupSnapshot;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.wal.Storage;

/**
 * Copies a partition's replica from another node ({@link ReplicaFileRoutes}) into a staging directory:
 * each file as long as that node listed it, fsynced. Of a segment this node holds, the part that is
 * byte for byte the other node's (their first bytes have the same CRC32C) is taken from this node's
 * own replica and only the rest travels: a member that was down copies what it missed, not whole
 * partitions. Blocking HTTP and file IO.
 */
public final class ReplicaFileFetcher {
    private static final OpenOption[] WHOLE = {StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING};
    private static final OpenOption[] REST = {StandardOpenOption.WRITE, StandardOpenOption.APPEND};

    private final HttpClient http;
    private final Storage storage;
    private final Duration requestTimeout;

    /** What a copy took: bytes fetched from the other node, and bytes reused from this node's replica. */
    public record Fetched(long fetchedBytes, long reusedBytes) {
        public static final Fetched NOTHING = new Fetched(0, 0);

        public Fetched plus(Fetched other) {
            return new Fetched(fetchedBytes + other.fetchedBytes, reusedBytes + other.reusedBytes);
        }
    }

    /** {@code requestTimeout} bounds each wait for an answer to start, not a copy. */
    public ReplicaFileFetcher(HttpClient http, Storage storage, Duration requestTimeout) {
        this.http = http;
        this.storage = storage;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Copies {@code partition}'s files as listed by the node at {@code base} (its
     * {@code http://host:port/cluster/v1/}) into {@code staged}, which is made anew, reusing what
     * this node's replica in {@code replica} has of them.
     */
    public Fetched fetch(String base, GroupSnapshot.PartitionCopy partition, Path replica, Path staged)
            throws IOException, InterruptedException {
        storage.deleteTree(staged);
        storage.createDirectories(staged);
        Fetched fetched = Fetched.NOTHING;
        for (GroupSnapshot.FileCopy file : partition.files()) {
            if (!ReplicaFiles.isCopiedName(file.name())) {
                throw new IOException(base + " offered a file named " + file.name() + " for " + partition.topic()
                        + "-" + partition.partition());
            }
            String uri = base + "partitions/" + URLEncoder.encode(partition.topic(), StandardCharsets.UTF_8) + "/"
                    + partition.partition() + "/files/" + file.name() + "?length=" + file.length();
            Path own = replica.resolve(file.name());
            Path to = staged.resolve(file.name());
            ReplicaFiles.Prefix prefix = ReplicaFiles.isSegmentName(file.name()) && storage.exists(own)
                    ? ReplicaFiles.reusePrefix(own, to, file.length(), storage) : ReplicaFiles.Prefix.NONE;
            if (prefix.length() > 0 && fetch(URI.create(uri + "&from=" + prefix.length() + "&crc=" + prefix.crc()),
                    to, file.length(), REST)) {
                fetched = fetched.plus(new Fetched(file.length() - prefix.length(), prefix.length()));
            } else {
                // Nothing of it here, or what is here is not the other node's: all of it.
                fetch(URI.create(uri), to, file.length(), WHOLE);
                fetched = fetched.plus(new Fetched(file.length(), 0));
            }
        }
        storage.fsyncDirectory(staged);
        return fetched;
    }

    /**
     * Fetches into {@code to}, opened with {@code options}, until it is {@code length} bytes long, and
     * fsyncs it. Returns false if the other node answered that the prefix asked for differs there.
     */
    private boolean fetch(URI uri, Path to, long length, OpenOption[] options)
            throws IOException, InterruptedException {
        HttpResponse<Path> answer = http.send(HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
                info -> info.statusCode() == HttpURLConnection.HTTP_OK
                        ? HttpResponse.BodySubscribers.ofFile(to, options)
                        : HttpResponse.BodySubscribers.replacing(to));
        if (answer.statusCode() == HttpURLConnection.HTTP_CONFLICT && options == REST) {
            return false;
        }
        if (answer.statusCode() != HttpURLConnection.HTTP_OK) {
            throw new IOException(uri + " answered " + answer.statusCode());
        }
        try (FileChannel file = storage.open(to, StandardOpenOption.WRITE)) {
            if (file.size() != length) {
                throw new IOException(uri + " left " + to + " of " + file.size() + " bytes, not " + length);
            }
            file.force(true);
        }
        return true;
    }
}
