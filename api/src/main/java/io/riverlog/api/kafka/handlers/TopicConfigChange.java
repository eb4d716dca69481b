package io.riverlog.api.kafka.handlers;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import org.apache.kafka.common.protocol.Errors;

import io.riverlog.actors.topics.TopicConfigs;
import io.riverlog.actors.topics.TopicInfo;
import io.riverlog.actors.topics.TopicRegistry;
import io.riverlog.api.topics.BrokerTopics;

/**
 * One alteration of a topic's configs, as AlterConfigs and IncrementalAlterConfigs both carry it out:
 * the changes are worked out against the topic's configs as they are, validated, and (unless only
 * validation was asked for) written by the registry, which applies them to the running partitions.
 */
final class TopicConfigChange {
    /** The outcome: NONE, or an error with the reason. */
    record Outcome(Errors error, String message) {
        static final Outcome DONE = new Outcome(Errors.NONE, null);
    }

    /** The changes to make (an empty value removes a key), or why there are none. */
    record Changes(Map<String, Optional<String>> changes, Outcome refused) {
        static Changes of(Map<String, Optional<String>> changes) {
            return new Changes(changes, null);
        }

        static Changes refused(Errors error, String message) {
            return new Changes(null, new Outcome(error, message));
        }
    }

    private TopicConfigChange() {
    }

    static CompletableFuture<Outcome> apply(BrokerTopics topics, String name, boolean validateOnly,
                                            Function<TopicInfo, Changes> changesTo) {
        return topics.describe(name).toCompletableFuture().thenCompose(found -> {
            if (found.isEmpty()) {
                return done(Errors.UNKNOWN_TOPIC_OR_PARTITION, "unknown topic " + name);
            }
            Changes changes = changesTo.apply(found.get());
            if (changes.refused() != null) {
                return CompletableFuture.completedFuture(changes.refused());
            }
            if (validateOnly) {
                // A change that is made is validated by the registry, against the topic as it is then.
                Optional<String> problem = TopicConfigs.problemWithChanges(found.get().configs(), changes.changes());
                return problem.isPresent() ? done(Errors.INVALID_CONFIG, problem.get())
                        : CompletableFuture.completedFuture(Outcome.DONE);
            }
            return topics.alterConfigs(name, changes.changes()).toCompletableFuture().thenApply(reply -> {
                if (reply instanceof TopicRegistry.ChangeFailed failed) {
                    return new Outcome(KafkaErrors.of(failed.error()), failed.message());
                }
                return Outcome.DONE;
            });
        }).exceptionally(error -> new Outcome(Errors.REQUEST_TIMED_OUT, "the change of topic " + name
                + " did not complete in time; it may or may not be in effect"));
    }

    private static CompletableFuture<Outcome> done(Errors error, String message) {
        return CompletableFuture.completedFuture(new Outcome(error, message));
    }
}
