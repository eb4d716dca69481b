package io.riverlog.api.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

/** The console's files over a real HTTP listener: the page at /, its script and style sheet under /console/. */
class ConsoleRouteTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static ActorSystem<Void> system;
    private static URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void bind() throws Exception {
        system = ActorSystem.create(Behaviors.empty(), "console-route-test", ConfigFactory.load());
        ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(ConsoleRoute.create())
                .toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    @Test
    void thePageIsServedAtTheRootAndLoadsItsFilesFromConsole() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Riverlog console</title>")
                .contains("src=\"/console/app.js\"").contains("href=\"/console/style.css\"");

        HttpResponse<String> script = get("/console/app.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).contains("javascript"));
        assertThat(script.body()).contains("new EventSource(");

        HttpResponse<String> style = get("/console/style.css");
        assertThat(style.statusCode()).isEqualTo(200);
        assertThat(style.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/css"));
    }

    @Test
    void aFileThatIsNotPartOfTheConsoleIsNotFound() throws Exception {
        assertThat(get("/console/missing.js").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
