package io.riverlog.testkit.groups;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import io.riverlog.testkit.Conditions;
import io.riverlog.testkit.KafkaClients;

/**
 * A subscribed consumer on its own thread: poll, note every record, commit the records of that poll
 * synchronously, poll again; until stopped, then close (which leaves the group). Records whose
 * commit failed are noted apart: they may be consumed again by whoever owns their partition next.
 */
final class GroupMember implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    record Consumed(String member, TopicPartition partition, long offset, long atNanos) {
    }

    /** A commit the broker acknowledged: the partition's committed offset became {@code offset}. */
    record Committed(String member, TopicPartition partition, long offset, long atNanos) {
    }

    private final String name;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Consumed> consumed;
    private final Conditions changes;
    private final ConcurrentLinkedQueue<Consumed> uncommitted = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Committed> committed = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Set<TopicPartition>> assignment = new AtomicReference<>(Set.of());
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean leaveOnClose = true;

    GroupMember(String name, String bootstrap, String groupId, String topic, Map<String, Object> overrides,
                ConcurrentLinkedQueue<Consumed> consumed, Conditions changes) {
        this.name = name;
        this.consumed = consumed;
        this.changes = changes;
        this.thread = new Thread(() -> run(bootstrap, groupId, topic, overrides), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String bootstrap, String groupId, String topic, Map<String, Object> overrides) {
        KafkaConsumer<byte[], byte[]> consumer = KafkaClients.groupConsumer(bootstrap, groupId, overrides);
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                assignment.set(Set.copyOf(consumer.assignment()));
                if (records.isEmpty()) {
                    changes.changed();
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                List<Consumed> batch = new java.util.ArrayList<>();
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    batch.add(new Consumed(name, partition, record.offset(), now));
                    next.put(partition, new OffsetAndMetadata(record.offset() + 1));
                }
                consumed.addAll(batch);
                try {
                    consumer.commitSync(next, KafkaClients.TIMEOUT);
                    long at = System.nanoTime();
                    next.forEach((partition, offset) ->
                            committed.add(new Committed(name, partition, offset.offset(), at)));
                } catch (KafkaException e) {
                    uncommitted.addAll(batch);
                }
                changes.changed();
            }
            consumer.close(CloseOptions.groupMembershipOperation(leaveOnClose
                    ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                    : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
        } catch (Throwable e) {
            failure.set(e);
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        } finally {
            assignment.set(Set.of());
            closed.countDown();
            changes.changed();
        }
    }

    Set<TopicPartition> assignment() {
        return assignment.get();
    }

    List<Consumed> uncommitted() {
        return List.copyOf(uncommitted);
    }

    /** Every commit of this member that succeeded, in order. */
    List<Committed> committed() {
        return List.copyOf(committed);
    }

    Throwable failure() {
        return failure.get();
    }

    /**
     * Stops polling and closes the consumer without leaving the group, as if its process died: the
     * coordinator only notices when its session expires.
     */
    void vanish() throws InterruptedException {
        leaveOnClose = false;
        close();
    }

    /** Stops polling, closes the consumer (it leaves the group) and waits until it did. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (!closed.await(KafkaClients.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not close within " + KafkaClients.TIMEOUT);
        }
    }
}
