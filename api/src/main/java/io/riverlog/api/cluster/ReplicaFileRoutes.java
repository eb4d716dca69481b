package io.riverlog.api.cluster;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameter;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.StringUnmarshallers;
import org.apache.pekko.stream.javadsl.StreamConverters;

import io.riverlog.actors.partition.PartitionId;
import io.riverlog.actors.replica.ReplicaFiles;
import io.riverlog.wal.Storage;

/**
 * The files of this node's replicas, for a member that copies them ({@link ReplicaFileFetcher}):
 * {@code GET /cluster/v1/partitions/{topic}/{p}/files/{name}?length=N} answers the first N bytes of
 * the file (a segment grows meanwhile: only what was listed is sent); with {@code &from=M&crc=C},
 * bytes M to N, if the first M bytes here have CRC32C C (the member holds those already), else 409
 * Conflict. Only the names a copy carries are served ({@link ReplicaFiles#isCopiedName}).
 */
public final class ReplicaFileRoutes {
    private final Function<PartitionId, Path> dirs;
    private final Storage storage;
    private final Executor blockingIo;

    /** Over where each partition's directory is; prefixes are checked on {@code blockingIo}. */
    public ReplicaFileRoutes(Function<PartitionId, Path> dirs, Storage storage, Executor blockingIo) {
        this.dirs = dirs;
        this.storage = storage;
        this.blockingIo = blockingIo;
    }

    public Route route() {
        return pathPrefix(PathMatchers.segment("cluster").slash("v1").slash("partitions")
                .slash(PathMatchers.segment()).slash(PathMatchers.integerSegment()), (topic, partition) ->
                path(PathMatchers.segment("files").slash(PathMatchers.segment()), name -> get(() ->
                        parameter(StringUnmarshallers.LONG, "length", length ->
                                parameterOptional(StringUnmarshallers.LONG, "from", from ->
                                        parameterOptional(StringUnmarshallers.LONG, "crc", crc ->
                                                file(new PartitionId(topic, partition), name, length, from,
                                                        crc)))))));
    }

    private Route file(PartitionId id, String name, long length, Optional<Long> from, Optional<Long> crc) {
        Path file = dirs.apply(id).resolve(name);
        if (!ReplicaFiles.isCopiedName(name) || length < 0 || !storage.exists(file)) {
            return complete(StatusCodes.NOT_FOUND, "no file " + name + " of length " + length
                    + " in the replica of " + id + " here");
        }
        if (from.isPresent() != crc.isPresent() || from.orElse(0L) < 0 || from.orElse(0L) > length) {
            return complete(StatusCodes.BAD_REQUEST, "from and crc go together, and 0 <= from <= length");
        }
        if (from.isEmpty()) {
            return complete(bytes(file, 0, length));
        }
        long start = from.get();
        return completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return ReplicaFiles.prefixOf(file, start, storage);
            } catch (IOException e) {
                throw new IllegalStateException("reading " + file + " failed: " + e, e);
            }
        }, blockingIo).thenApply(prefix -> prefix.isPresent() && prefix.get().crc() == crc.get()
                ? bytes(file, start, length)
                : HttpResponse.create().withStatus(StatusCodes.CONFLICT).withEntity("the first " + start
                        + " bytes of " + name + " of " + id + " here are not those")));
    }

    /** Bytes {@code from} to {@code length} of {@code file}, however long it has grown since it was listed. */
    private HttpResponse bytes(Path file, long from, long length) {
        if (from == length) {
            // A streamed entity must have bytes: the member holds them all already.
            return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
                    new byte[0]));
        }
        return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
                length - from, StreamConverters.fromInputStream(() -> range(file, from, length))));
    }

    private InputStream range(Path file, long from, long length) throws IOException {
        FileChannel channel = storage.open(file);
        try {
            channel.position(from);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new FilterInputStream(Channels.newInputStream(channel)) {
            private long left = length - from;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] into, int offset, int max) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int read = super.read(into, offset, (int) Math.min(max, left));
                if (read > 0) {
                    left -= read;
                }
                return read;
            }
        };
    }
}
