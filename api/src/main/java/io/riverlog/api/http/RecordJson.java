package io.riverlog.api.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.riverlog.wal.LogRecord;

/**
 * Records as JSON, both ways. Keys, values and header values are bytes; JSON carries them as
 * UTF-8 text ({@code "key"}, {@code "value"}) or, for any bytes, as base64 ({@code "keyBase64"},
 * {@code "valueBase64"}). A record read back has its key and value as text when they are valid
 * UTF-8; otherwise the text field is null and the base64 one holds the bytes. A missing key or
 * value is null. Headers are a list of {@code {"key": name, "value": text}} (or
 * {@code "valueBase64"}); a produce may also give them as one object of name to text.
 */
final class RecordJson {
    private static final Base64.Encoder BASE64 = Base64.getEncoder();
    private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

    private RecordJson() {
    }

    /** {@code {topic, partition, offset, timestamp, key, value, headers}}. */
    static ObjectNode toJson(String topic, int partition, LogRecord record) {
        ObjectNode out = Json.object();
        out.put("topic", topic);
        out.put("partition", partition);
        out.put("offset", record.offset());
        return putRecord(out, record.timestampMs(), record.key(), record.value(), record.headers());
    }

    /**
     * A record to produce, as a produce request gives it, to {@code partition}; {@link #fromJson}
     * reads back the same bytes (text only where they are valid UTF-8, base64 otherwise).
     */
    static ObjectNode toJson(int partition, ProducedRecord record) {
        ObjectNode out = Json.object();
        out.put("partition", partition);
        return putRecord(out, record.timestampMs(), record.key(), record.value(), record.headers());
    }

    private static ObjectNode putRecord(ObjectNode out, long timestampMs, byte[] key, byte[] value,
                                        List<LogRecord.Header> headerList) {
        out.put("timestamp", timestampMs);
        putBytes(out, "key", key);
        putBytes(out, "value", value);
        ArrayNode headers = out.putArray("headers");
        for (LogRecord.Header header : headerList) {
            ObjectNode h = headers.addObject();
            h.put("key", header.key());
            putBytes(h, "value", header.value());
        }
        return out;
    }

    /** A record of a produce; {@code index} names it in error messages ("record 3", "line 12"). */
    static ProducedRecord fromJson(JsonNode node, String index, long nowMs) {
        if (node == null || !node.isObject()) {
            throw bad(index, "is not a JSON object");
        }
        OptionalInt partition = OptionalInt.empty();
        JsonNode p = node.get("partition");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToInt() || !p.isIntegralNumber() || p.intValue() < 0) {
                throw bad(index, "has a partition that is not a number from 0: " + p);
            }
            partition = OptionalInt.of(p.intValue());
        }
        long timestamp = nowMs;
        JsonNode t = node.get("timestamp");
        if (t != null && !t.isNull()) {
            if (!t.isIntegralNumber() || t.longValue() < 0) {
                throw bad(index, "has a timestamp that is not milliseconds since the epoch: " + t);
            }
            timestamp = t.longValue();
        }
        return new ProducedRecord(partition, bytes(node, "key", index), bytes(node, "value", index),
                headers(node.get("headers"), index), timestamp);
    }

    private static List<LogRecord.Header> headers(JsonNode node, String index) {
        List<LogRecord.Header> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!field.getValue().isTextual() && !field.getValue().isNull()) {
                    throw bad(index, "has header '" + field.getKey() + "' whose value is not text");
                }
                out.add(new LogRecord.Header(field.getKey(), field.getValue().isNull() ? null
                        : field.getValue().textValue().getBytes(StandardCharsets.UTF_8)));
            }
            return out;
        }
        if (!node.isArray()) {
            throw bad(index, "has headers that are neither a list nor an object");
        }
        for (JsonNode header : node) {
            JsonNode key = header.get("key");
            if (!header.isObject() || key == null || !key.isTextual()) {
                throw bad(index, "has a header without a text \"key\"");
            }
            out.add(new LogRecord.Header(key.textValue(), bytes(header, "value", index)));
        }
        return out;
    }

    /** The bytes of {@code field} (UTF-8 text) or {@code fieldBase64}; null if neither is given. */
    private static byte[] bytes(JsonNode node, String field, String index) {
        JsonNode text = node.get(field);
        JsonNode base64 = node.get(field + "Base64");
        boolean hasText = text != null && !text.isNull();
        boolean hasBase64 = base64 != null && !base64.isNull();
        if (hasText && hasBase64) {
            throw bad(index, "has both \"" + field + "\" and \"" + field + "Base64\"");
        }
        if (hasText) {
            if (!text.isTextual()) {
                throw bad(index, "has a \"" + field + "\" that is not a string (use \"" + field
                        + "Base64\" for bytes)");
            }
            return text.textValue().getBytes(StandardCharsets.UTF_8);
        }
        if (hasBase64) {
            if (!base64.isTextual()) {
                throw bad(index, "has a \"" + field + "Base64\" that is not a string");
            }
            try {
                return BASE64_DECODER.decode(base64.textValue());
            } catch (IllegalArgumentException e) {
                throw bad(index, "has a \"" + field + "Base64\" that is not base64: " + e.getMessage());
            }
        }
        return null;
    }

    private static void putBytes(ObjectNode out, String field, byte[] bytes) {
        if (bytes == null) {
            out.putNull(field);
            return;
        }
        String text = utf8(bytes);
        if (text != null) {
            out.put(field, text);
        } else {
            out.putNull(field);
            out.put(field + "Base64", BASE64.encodeToString(bytes));
        }
    }

    /** The bytes as text if they are valid UTF-8, else null. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static ApiException bad(String index, String problem) {
        return ApiException.badRequest(index + " " + problem);
    }
}
