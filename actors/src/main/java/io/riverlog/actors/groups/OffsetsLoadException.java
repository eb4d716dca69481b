package io.riverlog.actors.groups;

import java.io.IOException;

/** The offsets log cannot be read back: a record of an unknown format, or a log that ends early. */
final class OffsetsLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    OffsetsLoadException(String message) {
        super(message);
    }
}
