package io.riverlog.actors.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.wal.Storage;

class TopicDirectoriesTest {
    @TempDir
    Path topicsDir;

    @Test
    void partitionDirectoryNamesAreALegalTopicNameADashAndAPartitionNumber() {
        assertThat(TopicDirectories.isPartitionDirectoryName("orders-0")).isTrue();
        assertThat(TopicDirectories.isPartitionDirectoryName("orders-17")).isTrue();
        assertThat(TopicDirectories.isPartitionDirectoryName("a-b-3")).isTrue();
        assertThat(TopicDirectories.isPartitionDirectoryName("trailing--1")).isTrue();
        assertThat(TopicDirectories.isPartitionDirectoryName("orders")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("orders-")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("orders-01")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("orders-x")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("-0")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("lost+found")).isFalse();
        assertThat(TopicDirectories.isPartitionDirectoryName("..-0")).isFalse();
    }

    @Test
    void onlyPartitionDirectoriesOfNoKnownPartitionAreRemoved() throws IOException {
        Path known = Files.createDirectories(topicsDir.resolve("orders-0"));
        Path unknown = Files.createDirectories(topicsDir.resolve("orders-1").resolve("nested"));
        Files.writeString(unknown.resolve("file"), "x");
        Path foreign = Files.createDirectories(topicsDir.resolve("lost+found"));

        TopicDirectories.Cleanup cleanup = new TopicDirectories(Storage.LOCAL, topicsDir)
                .removeUnknown(Set.of("orders-0"));

        assertThat(cleanup.removed()).containsExactly(topicsDir.resolve("orders-1"));
        assertThat(cleanup.ignored()).containsExactly(foreign);
        assertThat(known).isDirectory();
        assertThat(foreign).isDirectory();
        assertThat(topicsDir.resolve("orders-1")).doesNotExist();
    }
}
