package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractMaterializer;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.function.Function;

import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.util.ByteString;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON request body of at most {@code maxBytes} (413 beyond), parsed (400 if it is not JSON). A
 * body whose declared length is over the limit is read and dropped before the 413 leaves: a client
 * still sending it would otherwise see its connection reset instead of the answer.
 */
final class JsonBody {
    private JsonBody() {
    }

    static Route json(long maxBytes, Function<JsonNode, Route> inner) {
        return extractRequestEntity(request -> {
            OptionalLong declared = request.getContentLengthOption();
            if (declared.isPresent() && declared.getAsLong() > maxBytes) {
                return extractMaterializer(materializer -> onComplete(
                        request.discardBytes(materializer).completionStage(),
                        drained -> complete(ErrorResponses.bodyTooLarge(maxBytes))));
            }
            return withSizeLimit(maxBytes, () -> entity(Unmarshaller.entityToByteString(),
                    (ByteString body) -> inner.apply(parse(body))));
        });
    }

    static JsonNode parse(ByteString body) {
        if (body.isEmpty()) {
            throw ApiException.badRequest("the request has no body; a JSON object is expected");
        }
        try {
            return Json.MAPPER.readTree(body.toArrayUnsafe());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
    }
}
