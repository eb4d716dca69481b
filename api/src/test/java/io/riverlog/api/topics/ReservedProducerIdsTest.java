package io.riverlog.api.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.riverlog.actors.topics.TopicError;
import io.riverlog.actors.topics.TopicRegistry;

class ReservedProducerIdsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** Reservations the ids asked for, answered by the test. */
    private final Deque<CompletableFuture<TopicRegistry.ProducerIdsReply>> asked = new ArrayDeque<>();
    private final ReservedProducerIds ids = new ReservedProducerIds(() -> {
        CompletableFuture<TopicRegistry.ProducerIdsReply> reply = new CompletableFuture<>();
        asked.add(reply);
        return reply;
    });

    @Test
    void idsComeInOrderFromEachBlockAndTheNextBlockIsReservedOnlyOnceOneIsUsedUp() throws Exception {
        CompletionStage<Long> first = ids.next();
        assertThat(asked).hasSize(1);
        asked.poll().complete(new TopicRegistry.ProducerIdBlock(10, 13));
        List<Long> handedOut = new ArrayList<>(List.of(get(first), get(ids.next()), get(ids.next())));
        assertThat(asked).isEmpty();

        CompletionStage<Long> fromTheNextBlock = ids.next();
        assertThat(asked).hasSize(1);
        asked.poll().complete(new TopicRegistry.ProducerIdBlock(2000, 3000));
        handedOut.add(get(fromTheNextBlock));

        assertThat(handedOut).containsExactly(10L, 11L, 12L, 2000L);
    }

    @Test
    void callersThatComeWhileABlockIsReservedWaitForThatReservationAndEachGetsItsOwnId() throws Exception {
        List<CompletionStage<Long>> waiting = List.of(ids.next(), ids.next(), ids.next());
        assertThat(asked).hasSize(1);
        asked.poll().complete(new TopicRegistry.ProducerIdBlock(0, 2));
        // Two of them get the block's ids; the third asks for the next block.
        assertThat(asked).hasSize(1);
        asked.poll().complete(new TopicRegistry.ProducerIdBlock(2, 4));

        List<Long> got = new ArrayList<>();
        for (CompletionStage<Long> id : waiting) {
            got.add(get(id));
        }
        assertThat(got).containsExactlyInAnyOrder(0L, 1L, 2L);
        assertThat(get(ids.next())).isEqualTo(3L);
    }

    @Test
    void aRefusedOrUnansweredReservationFailsItsCallersWithoutAnIdAndTheNextCallAsksAgain() throws Exception {
        CompletionStage<Long> refused = ids.next();
        asked.poll().complete(new TopicRegistry.ProducerIdsRefused(TopicError.STORAGE_ERROR, "disk full"));
        CompletionStage<Long> timedOut = ids.next();
        asked.poll().completeExceptionally(new java.util.concurrent.TimeoutException("no answer"));
        CompletionStage<Long> after = ids.next();
        asked.poll().complete(new TopicRegistry.ProducerIdBlock(7, 8));

        assertThatThrownBy(() -> get(refused)).hasCauseInstanceOf(ReservedProducerIds.ProducerIdsUnavailable.class)
                .hasMessageContaining("disk full");
        assertThatThrownBy(() -> get(timedOut)).hasCauseInstanceOf(ReservedProducerIds.ProducerIdsUnavailable.class)
                .hasMessageContaining("no answer");
        assertThat(get(after)).isEqualTo(7L);
    }

    private static long get(CompletionStage<Long> id) throws InterruptedException, ExecutionException,
            java.util.concurrent.TimeoutException {
        return id.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
