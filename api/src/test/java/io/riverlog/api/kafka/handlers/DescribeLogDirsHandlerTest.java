package io.riverlog.api.kafka.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.kafka.codec.KafkaCodecTest;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.codec.KafkaRequestDecoder;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;

/**
 * The log directory part of DescribeLogDirs, asked for no partitions (so that no registry is asked):
 * the directory's absolute path and its file system's space, or a storage error when the file system
 * cannot say. The partitions are tested end to end (test-kit's LogDirsTest).
 */
class DescribeLogDirsHandlerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT = 9092;

    private final ActorTestKit kit = ActorTestKit.create();

    @TempDir
    Path dataDir;

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void theDirectoryIsAnsweredWithItsAbsolutePathAndTheSpaceOfItsFileSystem() throws Exception {
        DescribeLogDirsResult dir = describe(new LogDirectory(dataDir, Runnable::run));

        assertThat(dir.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(dir.logDir()).isEqualTo(dataDir.toAbsolutePath().normalize().toString());
        assertThat(dir.topics()).isEmpty();
        assertThat(dir.totalBytes()).isEqualTo(dataDir.toFile().getTotalSpace());
        assertThat(dir.usableBytes()).isPositive().isLessThanOrEqualTo(dir.totalBytes());
    }

    @Test
    void aDirectoryWhoseFileSystemCannotBeReadIsAnsweredWithAStorageError() throws Exception {
        Path gone = dataDir.resolve("not-there");

        DescribeLogDirsResult dir = describe(new LogDirectory(gone, Runnable::run));

        assertThat(dir.errorCode()).isEqualTo(Errors.KAFKA_STORAGE_ERROR.code());
        assertThat(dir.logDir()).isEqualTo(gone.toAbsolutePath().toString());
        assertThat(dir.topics()).isEmpty();
    }

    private DescribeLogDirsResult describe(LogDirectory directory) throws Exception {
        BrokerTopics topics = new BrokerTopics(kit.<TopicRegistry.Command>createTestProbe().ref(), kit.scheduler(),
                TIMEOUT);
        DescribeLogDirsHandler handler = new DescribeLogDirsHandler(topics, directory);
        short version = ApiKeys.DESCRIBE_LOG_DIRS.latestVersion();
        ByteBuffer frame = KafkaCodecTest.frame(ApiKeys.DESCRIBE_LOG_DIRS, version, 1,
                new DescribeLogDirsRequestData());
        KafkaRequest request = KafkaRequestDecoder.decode(frame, PORT);
        ApiMessage answer = handler.handle(request).toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .orElseThrow();
        ByteBuffer encoded = KafkaCodecTest.encoded(request.header(), answer);
        DescribeLogDirsResponseData response =
                (DescribeLogDirsResponseData) AbstractResponse.parseResponse(encoded, request.header()).data();
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.results()).hasSize(1);
        return response.results().get(0);
    }
}
