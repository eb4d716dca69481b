package io.riverlog.actors.topics;

import java.util.List;
import java.util.Optional;

/**
 * The topic registry's topics as of its last change, for readers on any thread: a request that only
 * needs to know the topics (a fetch naming topics by id, a produce) reads them here instead of
 * asking the registry. The registry publishes a new immutable list after every change it applies,
 * before it answers the change, so a client that saw its change answered finds it here.
 */
public final class PublishedTopics {
    private volatile List<TopicInfo> topics;

    /** The topics, or empty while the registry is still loading its metadata. */
    public Optional<List<TopicInfo>> current() {
        return Optional.ofNullable(topics);
    }

    void publish(List<TopicInfo> all) {
        topics = List.copyOf(all);
    }
}
