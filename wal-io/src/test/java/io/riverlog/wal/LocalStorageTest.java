package io.riverlog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest {
    @TempDir
    Path tmp;

    /**
     * A broker opens its logs in parallel, each creating the data directory if it is missing: callers
     * that race to create the same parents all succeed. (One that lost the race used to fail with
     * FileAlreadyExistsException, which left consumer groups unavailable for the broker's life.)
     */
    @Test
    void callersRacingToCreateTheSameParentsAllSucceed() throws Exception {
        for (int round = 0; round < 50; round++) {
            Path data = tmp.resolve("round-" + round).resolve("data");
            int callers = 4;
            CyclicBarrier start = new CyclicBarrier(callers);
            List<CompletableFuture<Void>> created = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Path dir = data.resolve("log-" + i);
                created.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                        Storage.LOCAL.createDirectories(dir);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, runnable -> new Thread(runnable).start()));
            }
            CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < callers; i++) {
                assertThat(Files.isDirectory(data.resolve("log-" + i))).isTrue();
            }
        }
    }
}
