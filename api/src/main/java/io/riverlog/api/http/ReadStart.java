package io.riverlog.api.http;

import java.util.Optional;
import java.util.OptionalLong;

import io.riverlog.actors.partition.PartitionActor;

/**
 * Where a read of a partition starts and how far it goes, from the query of a records or WebSocket
 * request: {@code offset=N|earliest|latest} (default earliest), {@code limit=M} (default: no limit),
 * {@code follow=true|false} (default as the endpoint says), and for Server-Sent Events the
 * {@code Last-Event-ID} header, which resumes after that offset and wins over {@code offset}.
 */
record ReadStart(String offset, OptionalLong limit, boolean follow) {

    static ReadStart parse(Optional<String> offset, Optional<String> limit, Optional<String> follow,
                           Optional<String> lastEventId, boolean followByDefault) {
        String start = offset.orElse("earliest");
        if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
            long last = number(lastEventId.get().trim(), "Last-Event-ID");
            start = Long.toString(last + 1);
        }
        OptionalLong max = OptionalLong.empty();
        if (limit.isPresent()) {
            long m = number(limit.get(), "limit");
            if (m <= 0) {
                throw ApiException.badRequest("limit must be at least 1, not " + m);
            }
            max = OptionalLong.of(m);
        }
        boolean followTail = followByDefault;
        if (follow.isPresent()) {
            followTail = switch (follow.get()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw ApiException.badRequest("follow must be true or false, not '" + follow.get() + "'");
            };
        }
        if (!start.equals("earliest") && !start.equals("latest")) {
            number(start, "offset");
        }
        return new ReadStart(start, max, followTail);
    }

    /** The first offset to read, checked against the partition: from its log start to its high watermark. */
    long resolve(PartitionActor.PartitionState state) {
        long at = switch (offset) {
            case "earliest" -> state.logStartOffset();
            case "latest" -> state.highWatermark();
            default -> Long.parseLong(offset);
        };
        if (at < state.logStartOffset() || at > state.highWatermark()) {
            throw ApiException.offsetOutOfRange("offset " + at + " is out of range for partition " + state.id()
                    + ": it can be read from " + state.logStartOffset() + " (the log start) to " + state.highWatermark()
                    + " (the high watermark)");
        }
        return at;
    }

    private static long number(String text, String what) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw ApiException.badRequest(what + " must not be negative: " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(what + " must be a number" + (what.equals("offset")
                    ? ", earliest or latest" : "") + ", not '" + text + "'");
        }
    }
}
