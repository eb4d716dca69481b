package io.riverlog.api.http;

import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.utils.Utils;

/**
 * Chooses the partition of a record that names none, as Kafka's default partitioner does for keyed
 * records: murmur2 of the key, so that records of one key land in one partition, the same one a
 * Kafka client would choose. Records without a key are spread round-robin.
 */
final class Partitioner {
    private final AtomicInteger next = new AtomicInteger();

    int partitionFor(byte[] key, int partitionCount) {
        if (key != null) {
            return Utils.toPositive(Utils.murmur2(key)) % partitionCount;
        }
        return Utils.toPositive(next.getAndIncrement()) % partitionCount;
    }
}
