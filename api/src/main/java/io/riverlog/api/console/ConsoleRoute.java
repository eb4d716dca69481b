package io.riverlog.api.console;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResourceDirectory;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The console: a page at {@code /} with its script and style sheet under {@code /console/}, served
 * from the jar's {@code console/} resources. The page itself only calls the HTTP API (topics, stats,
 * and a partition's records as server-sent events); it needs no build step and loads nothing else.
 */
public final class ConsoleRoute {
    private static final String RESOURCES = "console";

    private ConsoleRoute() {
    }

    public static Route create() {
        return get(() -> concat(
                pathSingleSlash(() -> getFromResource(RESOURCES + "/index.html", ContentTypes.TEXT_HTML_UTF8)),
                pathPrefix(RESOURCES, () -> getFromResourceDirectory(RESOURCES))));
    }
}
