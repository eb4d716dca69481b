package io.riverlog.api.http;

import java.util.Map;

import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.MediaTypes;

/** The media types the API speaks beyond JSON: NDJSON (one JSON value per line) and Server-Sent Events. */
final class MediaTypesOfApi {
    static final String NDJSON_NAME = "application/x-ndjson";
    static final String EVENT_STREAM_NAME = "text/event-stream";

    static final ContentType NDJSON = MediaTypes.customWithFixedCharset("application", "x-ndjson",
            HttpCharsets.UTF_8, Map.of(), true).toContentType();
    static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();

    private MediaTypesOfApi() {
    }
}
