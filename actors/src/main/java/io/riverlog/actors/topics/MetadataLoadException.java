package io.riverlog.actors.topics;

import java.io.IOException;

/**
 * The topic metadata on disk cannot be trusted, so the registry does not start: an event it cannot
 * read, events that contradict each other, or partition directories without a metadata log.
 * Nothing is repaired automatically, because a wrong repair would delete topics.
 */
public final class MetadataLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    public MetadataLoadException(String message) {
        super(message);
    }
}
