package io.riverlog.api.kafka.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import io.riverlog.actors.groups.GroupManager;
import io.riverlog.actors.partition.PartitionMetrics;
import io.riverlog.actors.partition.PartitionSettings;
import io.riverlog.actors.topics.RegistrySettings;
import io.riverlog.actors.topics.TopicError;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.groups.BrokerGroups;
import io.riverlog.api.kafka.KafkaSettings;
import io.riverlog.api.kafka.codec.KafkaCodecTest;
import io.riverlog.api.kafka.codec.KafkaRequest;
import io.riverlog.api.kafka.codec.KafkaRequestDecoder;
import io.riverlog.api.topics.BrokerTopics;
import io.riverlog.api.topics.LogDirectory;
import io.riverlog.api.topics.ReservedProducerIds;
import io.riverlog.wal.Storage;

class InitProducerIdHandlerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT = 9092;
    private static final InitProducerIdRequestData NEW_PRODUCER = idempotent().setProducerId(-1)
            .setProducerEpoch((short) -1);

    @TempDir
    Path dataDir;

    static Stream<Short> versions() {
        return ApiKeys.INIT_PRODUCER_ID.allVersions().stream();
    }

    @ParameterizedTest
    @MethodSource("versions")
    void aNewProducerGetsTheNextReservedIdAndAKnownOneItsNextEpoch(short version) throws Exception {
        InitProducerIdHandler handler = new InitProducerIdHandler(new ReservedProducerIds(
                () -> CompletableFuture.completedFuture(new TopicRegistry.ProducerIdBlock(40, 50))));

        InitProducerIdResponseData first = send(handler, version, NEW_PRODUCER);
        InitProducerIdResponseData second = send(handler, version, NEW_PRODUCER);

        assertThat(first.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(first.producerId()).isEqualTo(40);
        assertThat(first.producerEpoch()).isZero();
        assertThat(second.producerId()).isEqualTo(41);
        if (version >= 3) {
            // KIP-360: a producer that knows its id and epoch asks for the next epoch.
            InitProducerIdResponseData bumped = send(handler, version, idempotent()
                    .setProducerId(40).setProducerEpoch((short) 0));
            assertThat(bumped.producerId()).isEqualTo(40);
            assertThat(bumped.producerEpoch()).isEqualTo((short) 1);
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void whenNoBlockOfIdsCanBeReservedTheAnswerIsAnErrorClientsRetry(short version) throws Exception {
        TopicRegistry.ProducerIdsReply refused = new TopicRegistry.ProducerIdsRefused(TopicError.STORAGE_ERROR,
                "the metadata log cannot be fsynced");
        InitProducerIdHandler handler = new InitProducerIdHandler(new ReservedProducerIds(
                () -> CompletableFuture.completedFuture(refused)));

        InitProducerIdResponseData answer = send(handler, version, NEW_PRODUCER);

        assertThat(answer.errorCode()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        assertThat(Errors.forCode(answer.errorCode()).exception())
                .isInstanceOf(org.apache.kafka.common.errors.RetriableException.class);
        assertThat(answer.producerId()).isEqualTo(-1);
    }

    @Test
    void idsNeverRepeatAcrossRestartsOfTheBrokerEvenWithItsClockSetBack() throws Exception {
        Instant firstStart = Instant.parse("2031-05-01T12:00:00Z");
        List<List<Long>> idsPerRun = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            // Each start is earlier by the clock than the one before, as after a clock stepped back.
            Clock clock = Clock.fixed(firstStart.minus(Duration.ofMinutes(run)), ZoneOffset.UTC);
            idsPerRun.add(newProducerIdsInOneRun(clock, 5));
        }

        List<Long> all = idsPerRun.stream().flatMap(List::stream).toList();
        assertThat(new HashSet<>(all)).hasSameSizeAs(all);
        for (int run = 1; run < idsPerRun.size(); run++) {
            assertThat(idsPerRun.get(run).get(0)).isGreaterThan(idsPerRun.get(run - 1).get(4));
        }
    }

    /** Starts a registry and the Kafka APIs on the data directory, asks {@code count} new producer ids, stops. */
    private List<Long> newProducerIdsInOneRun(Clock clock, int count) throws Exception {
        Config config = ConfigFactory.parseMap(Map.of("riverlog.data-dir", dataDir.toString()))
                .withFallback(ConfigFactory.load());
        ActorTestKit kit = ActorTestKit.create(config);
        try {
            ActorRef<TopicRegistry.Command> registry = kit.spawn(TopicRegistry.create(
                    RegistrySettings.fromConfig(config), Storage.LOCAL, PartitionMetrics.NONE));
            KafkaApis apis = KafkaApis.create(new BrokerTopics(registry, kit.scheduler(), TIMEOUT),
                    new BrokerGroups(kit.<GroupManager.Command>createTestProbe().ref(), kit.scheduler(), TIMEOUT),
                    new LogDirectory(dataDir, Runnable::run), KafkaSettings.fromConfig(config),
                    PartitionSettings.fromConfig(config), clock);
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                InitProducerIdResponseData answer = send(apis, ApiKeys.INIT_PRODUCER_ID.latestVersion(),
                        NEW_PRODUCER);
                assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
                ids.add(answer.producerId());
            }
            TestProbe<Done> stopped = kit.createTestProbe();
            registry.tell(new TopicRegistry.Shutdown(stopped.getRef()));
            stopped.receiveMessage(TIMEOUT);
            return ids;
        } finally {
            kit.shutdownTestKit();
        }
    }

    /** A request of an idempotent producer, which has no transactional id. */
    private static InitProducerIdRequestData idempotent() {
        return new InitProducerIdRequestData().setTransactionalId(null);
    }

    private static InitProducerIdResponseData send(KafkaRequestHandler handler, short version,
                                                   InitProducerIdRequestData body) throws Exception {
        ByteBuffer frame = KafkaCodecTest.frame(ApiKeys.INIT_PRODUCER_ID, version, 1, body);
        KafkaRequest request = KafkaRequestDecoder.decode(frame, PORT);
        ApiMessage answer = handler.handle(request).toCompletableFuture()
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).orElseThrow();
        ByteBuffer encoded = KafkaCodecTest.encoded(request.header(), answer);
        return (InitProducerIdResponseData) AbstractResponse.parseResponse(encoded, request.header()).data();
    }
}
