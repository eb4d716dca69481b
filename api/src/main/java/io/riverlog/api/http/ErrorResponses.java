package io.riverlog.api.http;

import java.util.Locale;

import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error of the HTTP API is answered as {@code {"error": "short_code", "message": "what and
 * why"}} with its status: an {@link ApiException} as it says, a body over the size limit 413, a
 * request no route takes (unknown path, wrong method, missing parameter) as Pekko HTTP's default
 * answer says, turned into JSON, and anything unexpected 500 (and logged).
 */
final class ErrorResponses {
    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    static HttpResponse of(ApiException e) {
        return Json.response(e.status(), Json.error(e.error(), e.getMessage()));
    }

    /** 413 for a request body over the limit of {@code limit} bytes. */
    static HttpResponse bodyTooLarge(long limit) {
        return of(ApiException.tooLarge("the request body is larger than the limit of " + limit + " bytes"));
    }

    static ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                .match(ApiException.class, e -> Directives.complete(of(e)))
                .match(EntityStreamSizeException.class, e -> Directives.complete(bodyTooLarge(e.limit())))
                .matchAny(e -> {
                    log.warn("HTTP request failed unexpectedly", e);
                    return Directives.complete(Json.response(StatusCodes.INTERNAL_SERVER_ERROR,
                            Json.error("internal", String.valueOf(e.getMessage()))));
                })
                .build();
    }

    /** Pekko HTTP's own answers to rejected requests, with their text moved into a JSON error. */
    static RejectionHandler rejectionHandler() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict
                    && !strict.getContentType().mediaType().toString().startsWith("application/json")) {
                String code = response.status().equals(StatusCodes.PAYLOAD_TOO_LARGE) ? ApiException.TOO_LARGE
                        : response.status().reason().toLowerCase(Locale.ROOT).replace(' ', '_');
                return Json.response(response.status(), Json.error(code, strict.getData().utf8String()));
            }
            return response;
        });
    }
}
