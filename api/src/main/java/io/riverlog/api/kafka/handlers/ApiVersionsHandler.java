package io.riverlog.api.kafka.handlers;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

import io.riverlog.api.kafka.codec.KafkaRequest;

/**
 * Answers ApiVersions with the APIs the router actually serves, each with the version range it
 * handles. A request in a version we do not know gets UNSUPPORTED_VERSION with the same list
 * (KIP-511), so the client retries with one we do.
 */
final class ApiVersionsHandler implements KafkaRequestHandler {
    private final ApiVersionCollection advertised;

    ApiVersionsHandler(Map<ApiKeys, VersionRange> served) {
        advertised = new ApiVersionCollection();
        served.forEach((key, range) -> advertised.add(new ApiVersion()
                .setApiKey(key.id).setMinVersion(range.min()).setMaxVersion(range.max())));
    }

    @Override
    public CompletionStage<Optional<ApiMessage>> handle(KafkaRequest request) {
        ApiVersionsRequest body = request.bodyAs(ApiVersionsRequest.class);
        boolean known = request.header().isApiVersionSupported();
        ApiVersionsResponseData data = new ApiVersionsResponseData()
                .setErrorCode(known ? (body.isValid() ? Errors.NONE.code() : Errors.INVALID_REQUEST.code())
                        : Errors.UNSUPPORTED_VERSION.code())
                .setApiKeys(advertised.duplicate())
                .setThrottleTimeMs(0);
        return CompletableFuture.completedFuture(Optional.of(data));
    }

    /** A range of versions of one API. */
    record VersionRange(short min, short max) {
        static VersionRange of(int min, int max) {
            return new VersionRange((short) min, (short) max);
        }
    }
}
