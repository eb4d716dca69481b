package io.riverlog.testkit.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

import io.riverlog.testkit.Batches;

/**
 * What a fuzzing client sends on one connection, drawn from a {@link Random}: real requests of
 * every advertised API at a random supported version (built with kafka-clients' message classes)
 * with their bodies mutated, unknown API keys and versions, random bytes, and frames whose size
 * prefix lies (larger than what follows, larger than the broker accepts, negative). Bytes only:
 * nothing here knows what the broker answers.
 */
final class FuzzFrames {
    /** How many topic names CreateTopics requests choose from: each created topic holds open files. */
    private static final int CREATED_TOPIC_NAMES = 100;

    /** How a frame ends the conversation: the broker must answer, may close, or the client closes its side. */
    enum Ending { MAY_ANSWER, BROKER_CLOSES, CLIENT_CLOSES }

    /** One frame's bytes, size prefix included, and what it is (for the failure report). */
    record Frame(String what, byte[] bytes, Ending ending) {
    }

    private static final String TOPIC = "fuzz-target";
    private static final int MAX_MUTATIONS = 8;
    private static final int MAX_RANDOM_FRAME_BYTES = 512;
    private static final long[] EXTREMES = {0, -1, 1, Short.MAX_VALUE, Short.MIN_VALUE, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 0x7f, 0x80, 0xff};

    private final Map<ApiKeys, short[]> advertised;
    private final int maxFrameBytes;

    /** {@code advertised}: each API key the broker advertises and its {min, max} version. */
    FuzzFrames(Map<ApiKeys, short[]> advertised, int maxFrameBytes) {
        this.advertised = advertised;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The frames of one connection; the last may end it. */
    List<Frame> connection(Random random, int maxFrames) {
        List<Frame> frames = new ArrayList<>();
        int count = 1 + random.nextInt(maxFrames);
        for (int i = 0; i < count; i++) {
            Frame frame = next(random, i + 1);
            frames.add(frame);
            if (frame.ending() != Ending.MAY_ANSWER) {
                break;
            }
        }
        return frames;
    }

    private Frame next(Random random, int correlationId) {
        int kind = random.nextInt(100);
        if (kind < 55) {
            return mutated(random, correlationId);
        } else if (kind < 65) {
            return wellFormed(random, correlationId);
        } else if (kind < 73) {
            byte[] body = randomBytes(random, random.nextInt(MAX_RANDOM_FRAME_BYTES));
            return new Frame("random bytes", framed(body.length, body), Ending.BROKER_CLOSES);
        } else if (kind < 80) {
            byte[] body = randomBytes(random, random.nextInt(MAX_RANDOM_FRAME_BYTES));
            int claimed = body.length + 1 + random.nextInt(4096);
            return new Frame("truncated frame (" + body.length + " of " + claimed + " bytes)", framed(claimed, body),
                    Ending.CLIENT_CLOSES);
        } else if (kind < 86) {
            int claimed = maxFrameBytes + 1 + random.nextInt(Integer.MAX_VALUE - maxFrameBytes - 1);
            return new Frame("oversized frame of " + claimed + " bytes", framed(claimed, randomBytes(random, 16)),
                    Ending.BROKER_CLOSES);
        } else if (kind < 90) {
            int claimed = -1 - random.nextInt(Integer.MAX_VALUE);
            return new Frame("negative size " + claimed, framed(claimed, randomBytes(random, 16)),
                    Ending.BROKER_CLOSES);
        } else if (kind < 95) {
            short key = (short) (1000 + random.nextInt(Short.MAX_VALUE - 1000));
            return header("unknown api key " + key, key, (short) 0, correlationId, random);
        } else {
            ApiKeys key = anyAdvertised(random);
            short version = (short) (random.nextBoolean() ? key.latestVersion() + 1 + random.nextInt(100)
                    : -1 - random.nextInt(100));
            return header(key + " in unsupported version " + version, key.id, version, correlationId, random);
        }
    }

    /** A real request of a random advertised API, then its body mutated. */
    private Frame mutated(Random random, int correlationId) {
        ApiKeys key = anyAdvertised(random);
        short version = anyVersion(key, random);
        byte[] request = serialize(key, version, baseRequest(key, random), correlationId);
        if (request == null) {
            return wellFormed(random, correlationId);
        }
        int headerBytes =
                new RequestHeader(headerData(key, version, correlationId), key.requestHeaderVersion(version)).size();
        String how;
        byte[] body;
        switch (random.nextInt(5)) {
            case 0 -> {
                body = request.clone();
                int flips = 1 + random.nextInt(MAX_MUTATIONS);
                for (int i = 0; i < flips && body.length > headerBytes; i++) {
                    body[headerBytes + random.nextInt(body.length - headerBytes)] = (byte) random.nextInt(256);
                }
                how = flips + " bytes changed";
            }
            case 1 -> {
                int keep = headerBytes + random.nextInt(Math.max(request.length - headerBytes, 1));
                body = java.util.Arrays.copyOf(request, keep);
                how = "body cut to " + (keep - headerBytes) + " bytes";
            }
            case 2 -> {
                byte[] extra = randomBytes(random, 1 + random.nextInt(64));
                body = java.util.Arrays.copyOf(request, request.length + extra.length);
                System.arraycopy(extra, 0, body, request.length, extra.length);
                how = extra.length + " random bytes appended";
            }
            case 3 -> {
                // An extreme value over a few bytes: the request often still parses, and reaches a handler.
                body = request.clone();
                int width = random.nextBoolean() ? Integer.BYTES : Short.BYTES;
                int at = headerBytes + random.nextInt(Math.max(body.length - headerBytes - width, 1));
                long value = EXTREMES[random.nextInt(EXTREMES.length)];
                for (int i = 0; i < width && at + i < body.length; i++) {
                    body[at + i] = (byte) (value >>> (8 * (width - 1 - i)));
                }
                how = "bytes " + (at - headerBytes) + ".." + (at - headerBytes + width) + " of the body set to "
                        + value;
            }
            default -> {
                body = request.clone();
                int from = headerBytes + random.nextInt(Math.max(body.length - headerBytes, 1));
                int to = Math.min(body.length, from + 1 + random.nextInt(32));
                for (int i = from; i < to; i++) {
                    body[i] = (byte) random.nextInt(256);
                }
                how = "bytes " + (from - headerBytes) + ".." + (to - headerBytes) + " of the body random";
            }
        }
        return new Frame(key + " v" + version + ", " + how, framed(body.length, body), Ending.MAY_ANSWER);
    }

    private Frame wellFormed(Random random, int correlationId) {
        ApiKeys key = random.nextBoolean() ? ApiKeys.API_VERSIONS : ApiKeys.METADATA;
        short version = anyVersion(key, random);
        byte[] request = serialize(key, version, baseRequest(key, random), correlationId);
        if (request == null) {
            key = ApiKeys.API_VERSIONS;
            request = serialize(key, version = key.latestVersion(), key.messageType.newRequest(), correlationId);
        }
        return new Frame("well-formed " + key + " v" + version, framed(request.length, request), Ending.MAY_ANSWER);
    }

    /** A request header alone with the given key and version, and random bytes after it. */
    private static Frame header(String what, short key, short version, int correlationId, Random random) {
        ByteBuffer bytes = ByteBuffer.allocate(64);
        bytes.putShort(key).putShort(version).putInt(correlationId).putShort((short) 4)
                .put("fuzz".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put(randomBytes(random, 16));
        byte[] body = java.util.Arrays.copyOf(bytes.array(), bytes.position());
        return new Frame(what, framed(body.length, body), Ending.BROKER_CLOSES);
    }

    /** A plausible request of each API, so mutations reach past the first fields into real content. */
    private static ApiMessage baseRequest(ApiKeys key, Random random) {
        return switch (key) {
            case PRODUCE -> {
                ProduceRequestData data = new ProduceRequestData().setAcks((short) (random.nextInt(3) - 1))
                        .setTimeoutMs(1000);
                ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(TOPIC);
                ByteBuffer batch = Batches.raw("fuzz", 0, 1 + random.nextInt(3), 20, Compression.NONE);
                topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(batch)));
                data.topicData().add(topic);
                yield data;
            }
            case FETCH -> {
                FetchRequestData data = new FetchRequestData().setMaxWaitMs(100).setMinBytes(1).setMaxBytes(1 << 20);
                data.topics().add(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 16))));
                yield data;
            }
            case METADATA -> new MetadataRequestData().setAllowAutoTopicCreation(false)
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC)));
            case LIST_OFFSETS -> new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
            case CREATE_TOPICS -> {
                CreateTopicsRequestData data = new CreateTopicsRequestData().setTimeoutMs(1000);
                // A new name each time, so that a mutated partition count or config is not hidden behind
                // TOPIC_ALREADY_EXISTS.
                data.topics().add(new CreateTopicsRequestData.CreatableTopic()
                        .setName("fuzz-created-" + random.nextInt(CREATED_TOPIC_NAMES))
                        .setNumPartitions(1).setReplicationFactor((short) 1));
                yield data;
            }
            default -> key.messageType.newRequest();
        };
    }

    private static byte[] serialize(ApiKeys key, short version, ApiMessage body, int correlationId) {
        try {
            ByteBuffer bytes = RequestUtils.serialize(headerData(key, version, correlationId),
                    key.requestHeaderVersion(version), body, version);
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (RuntimeException e) {
            // Some base requests carry a field this version cannot express; another frame is drawn instead.
            return null;
        }
    }

    private static RequestHeaderData headerData(ApiKeys key, short version, int correlationId) {
        return new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("fuzz");
    }

    private ApiKeys anyAdvertised(Random random) {
        List<ApiKeys> keys = new ArrayList<>(advertised.keySet());
        return keys.get(random.nextInt(keys.size()));
    }

    private short anyVersion(ApiKeys key, Random random) {
        short[] range = advertised.get(key);
        short min = (short) Math.max(range[0], key.oldestVersion());
        short max = (short) Math.min(range[1], key.latestVersion());
        return (short) (min + random.nextInt(max - min + 1));
    }

    private static byte[] framed(int claimedSize, byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(claimedSize).put(body).array();
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
