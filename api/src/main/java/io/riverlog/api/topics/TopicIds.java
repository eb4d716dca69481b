package io.riverlog.api.topics;

import java.util.UUID;

import org.apache.kafka.common.Uuid;

import io.riverlog.actors.topics.TopicInfo;

/** Topic ids between Riverlog ({@link UUID}) and the Kafka protocol ({@link Uuid}). */
public final class TopicIds {
    private TopicIds() {
    }

    public static Uuid of(TopicInfo topic) {
        return of(topic.topicId());
    }

    static Uuid of(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    static UUID of(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
