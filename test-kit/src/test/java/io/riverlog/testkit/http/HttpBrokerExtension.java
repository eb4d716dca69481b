package io.riverlog.testkit.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.riverlog.testkit.EmbeddedBroker;

/**
 * One embedded broker for a test class, on free ports and its own data directory, with an HTTP
 * client for its API: {@code @RegisterExtension static HttpBrokerExtension broker = new HttpBrokerExtension(settings)}.
 */
final class HttpBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private final Map<String, Object> settings;
    private Path dataDir;
    private EmbeddedBroker broker;
    private final HttpCalls http = new HttpCalls(() -> broker.httpUrl());

    HttpBrokerExtension(Map<String, Object> settings) {
        this.settings = settings;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("riverlog-http");
        broker = EmbeddedBroker.start(dataDir, settings);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        broker.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    EmbeddedBroker broker() {
        return broker;
    }

    /** A client of the broker's API (usable once the class's tests run). */
    HttpCalls http() {
        return http;
    }
}
