package io.riverlog.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of the api module, checked on its sources so that they hold as the code grows:
 * the Kafka adapter's network, codec and handlers depend on each other one way only, and the views
 * of the topic registry and the group manager know no protocol. A reference is an import or a
 * qualified name in code; comments do not count.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern QUALIFIED = Pattern.compile("\\bio\\.riverlog\\.api(?:\\.\\w+)+");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    private static final String KAFKA = "io.riverlog.api.kafka";
    private static final String NETWORK = KAFKA + ".network";
    private static final String CODEC = KAFKA + ".codec";
    private static final String HANDLERS = KAFKA + ".handlers";

    /** One reference from a source file to a type (or, for a wildcard import, a package) of the api module. */
    private record Reference(Path from, String fromPackage, String toPackage, String toType) {
        @Override
        public String toString() {
            return from + " -> " + toPackage + "." + toType;
        }
    }

    private static List<Reference> references;

    @BeforeAll
    static void readSources() throws IOException {
        references = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(PackageDependenciesTest::read);
        }
        assertThat(references).as("references read from " + SOURCES.toAbsolutePath()).isNotEmpty();
    }

    @Test
    void handlersDoNotReachTheNetwork() {
        assertThat(from(HANDLERS, r -> r.toPackage().equals(NETWORK))).isEmpty();
    }

    @Test
    void theCodecReachesNeitherTheHandlersNorTheNetwork() {
        assertThat(from(CODEC, r -> r.toPackage().equals(HANDLERS) || r.toPackage().equals(NETWORK))).isEmpty();
    }

    @Test
    void theNetworkReachesTheHandlersOnlyThroughKafkaRequestHandler() {
        assertThat(from(NETWORK, r -> r.toPackage().equals(HANDLERS) && !r.toType().equals("KafkaRequestHandler")))
                .isEmpty();
    }

    @Test
    void whatTheKafkaPartsShareReachesNoneOfThem() {
        assertThat(from(KAFKA, r -> r.toPackage().startsWith(KAFKA + "."))).isEmpty();
    }

    @Test
    void theTopicAndGroupViewsKnowNoProtocol() {
        List<String> protocols = List.of(KAFKA, "io.riverlog.api.http", "io.riverlog.api.metrics",
                "io.riverlog.api.broker", "io.riverlog.api.console");
        Predicate<Reference> toAProtocol = r -> protocols.stream()
                .anyMatch(p -> r.toPackage().equals(p) || r.toPackage().startsWith(p + "."));
        assertThat(from("io.riverlog.api.topics", toAProtocol)).isEmpty();
        assertThat(from("io.riverlog.api.groups", toAProtocol)).isEmpty();
    }

    /** The references from the files of {@code fromPackage} that break the rule. */
    private static List<Reference> from(String fromPackage, Predicate<Reference> breaking) {
        return references.stream().filter(r -> r.fromPackage().equals(fromPackage)).filter(breaking).toList();
    }

    private static void read(Path file) {
        String source;
        try {
            source = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher declared = PACKAGE.matcher(source);
        if (!declared.find()) {
            return;
        }
        String code = COMMENT.matcher(source.substring(declared.end())).replaceAll(" ");
        Matcher qualified = QUALIFIED.matcher(code);
        while (qualified.find()) {
            String[] parts = qualified.group().split("\\.");
            int type = 0;
            while (type < parts.length && !Character.isUpperCase(parts[type].charAt(0))) {
                type++;
            }
            String toPackage = String.join(".", List.of(parts).subList(0, type));
            String toType = type < parts.length ? parts[type] : "*";
            references.add(new Reference(file, declared.group(1), toPackage, toType));
        }
    }
}
