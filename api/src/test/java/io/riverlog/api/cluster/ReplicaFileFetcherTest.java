package io.riverlog.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.replica.GroupSnapshot;
import io.riverlog.wal.Storage;

/**
 * A replica's files copied from another node over a real HTTP listener ({@link ReplicaFileRoutes}):
 * a member with nothing fetches every byte; one that holds the segments' first bytes fetches only
 * the rest; one whose bytes differ from the other node's fetches that segment whole. Each copy is
 * byte for byte what the other node listed.
 */
class ReplicaFileFetcherTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String FIRST = "00000000000000000000.log";
    private static final String SECOND = "00000000000000000500.log";
    private static final String START = "log-start-offset";
    private static final int SEGMENT_BYTES = 200_000;

    @TempDir
    static Path dir;
    private static ActorSystem<Void> system;
    private static ExecutorService blockingIo;
    private static String base;
    private static Path leader;
    private static GroupSnapshot.PartitionCopy listed;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ReplicaFileFetcher fetcher = new ReplicaFileFetcher(http, Storage.LOCAL, TIMEOUT);

    @BeforeAll
    static void serve() throws Exception {
        Random random = new Random(7);
        leader = Files.createDirectories(dir.resolve("leader").resolve("t-0"));
        Files.write(leader.resolve(FIRST), bytes(random, SEGMENT_BYTES));
        Files.write(leader.resolve(SECOND), bytes(random, SEGMENT_BYTES));
        Files.writeString(leader.resolve(START), "12");
        // The second segment grows after it was listed: only what was listed is copied.
        listed = new GroupSnapshot.PartitionCopy("t", UUID.randomUUID(), 0, 9, 600, List.of(
                new GroupSnapshot.FileCopy(FIRST, SEGMENT_BYTES), new GroupSnapshot.FileCopy(SECOND, SEGMENT_BYTES),
                new GroupSnapshot.FileCopy(START, 2)));
        Files.write(leader.resolve(SECOND), bytes(random, 1000), java.nio.file.StandardOpenOption.APPEND);

        system = ActorSystem.create(Behaviors.empty(), "replica-file-fetcher-test", ConfigFactory.load());
        blockingIo = Executors.newSingleThreadExecutor();
        ReplicaFileRoutes routes = new ReplicaFileRoutes(id -> dir.resolve("leader").resolve(id.directoryName()),
                Storage.LOCAL, blockingIo);
        ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(routes.route())
                .toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        base = "http://127.0.0.1:" + binding.localAddress().getPort() + "/cluster/v1/";
    }

    @AfterAll
    static void stop() {
        system.terminate();
        blockingIo.shutdown();
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void aMemberWithNothingFetchesEveryByte() throws Exception {
        Path member = dir.resolve("empty").resolve("t-0");
        ReplicaFileFetcher.Fetched fetched = fetcher.fetch(base, listed, member, staging(member));

        assertThat(fetched).isEqualTo(new ReplicaFileFetcher.Fetched(2L * SEGMENT_BYTES + 2, 0));
        assertCopied(staging(member));
    }

    @Test
    void aMemberThatHoldsTheFirstBytesFetchesOnlyTheRest() throws Exception {
        Path member = Files.createDirectories(dir.resolve("behind").resolve("t-0"));
        Files.copy(leader.resolve(FIRST), member.resolve(FIRST));
        Files.write(member.resolve(SECOND), Arrays.copyOf(Files.readAllBytes(leader.resolve(SECOND)), 70_000));
        Files.writeString(member.resolve(START), "0");

        ReplicaFileFetcher.Fetched fetched = fetcher.fetch(base, listed, member, staging(member));

        assertThat(fetched).isEqualTo(new ReplicaFileFetcher.Fetched(SEGMENT_BYTES - 70_000 + 2,
                SEGMENT_BYTES + 70_000));
        assertCopied(staging(member));
        // The member's own replica is left as it was until the copy is put in its place.
        assertThat(Files.size(member.resolve(SECOND))).isEqualTo(70_000);
    }

    @Test
    void aMemberWhoseBytesDifferFetchesThatSegmentWhole() throws Exception {
        Path member = Files.createDirectories(dir.resolve("diverged").resolve("t-0"));
        byte[] first = Files.readAllBytes(leader.resolve(FIRST));
        first[12_345] ^= 0x10;
        Files.write(member.resolve(FIRST), first);
        Files.write(member.resolve(SECOND), Arrays.copyOf(Files.readAllBytes(leader.resolve(SECOND)), 100));

        ReplicaFileFetcher.Fetched fetched = fetcher.fetch(base, listed, member, staging(member));

        assertThat(fetched).isEqualTo(new ReplicaFileFetcher.Fetched(2L * SEGMENT_BYTES - 100 + 2, 100));
        assertCopied(staging(member));
    }

    @Test
    void malformedOrUnknownAsksAreRefused() throws Exception {
        String file = base + "partitions/t/0/files/";
        assertThat(status(file + FIRST + "?length=10&from=5")).isEqualTo(400);
        assertThat(status(file + FIRST + "?length=10&from=11&crc=0")).isEqualTo(400);
        assertThat(status(file + FIRST + "?length=ten")).isEqualTo(400);
        assertThat(status(file + FIRST + "?length=10&from=5&crc=1")).isEqualTo(409);
        assertThat(status(file + "00000000000000000900.log?length=10")).isEqualTo(404);
        assertThat(status(file + "replica-applied?length=10")).isEqualTo(404);
    }

    private int status(String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Path staging(Path member) {
        return member.resolveSibling(member.getFileName() + ".installing");
    }

    private static void assertCopied(Path staged) throws Exception {
        for (GroupSnapshot.FileCopy file : listed.files()) {
            byte[] expected = Arrays.copyOf(Files.readAllBytes(leader.resolve(file.name())), (int) file.length());
            assertThat(Files.readAllBytes(staged.resolve(file.name()))).as(file.name()).isEqualTo(expected);
        }
    }
}
