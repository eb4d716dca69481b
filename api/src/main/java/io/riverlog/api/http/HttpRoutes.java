package io.riverlog.api.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import java.util.List;

import org.apache.pekko.http.javadsl.server.Route;

/**
 * Everything the HTTP listener serves: route groups tried in order, the first that matches a
 * request answers it. Failures and rejections of any group are answered as JSON errors
 * ({@link ErrorResponses}). A new group (another endpoint) is one more element of the list.
 */
public final class HttpRoutes {

    private HttpRoutes() {
    }

    /** The groups, tried in order, behind one error handling. */
    public static Route of(List<Route> groups) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("at least one route group is needed");
        }
        Route all = concat(groups.get(0), groups.subList(1, groups.size()).toArray(Route[]::new));
        return handleExceptions(ErrorResponses.exceptionHandler(),
                () -> handleRejections(ErrorResponses.rejectionHandler(), () -> all));
    }
}
