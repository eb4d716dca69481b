package io.riverlog.settings;

import com.typesafe.config.ConfigException;

/**
 * A setting whose value the broker cannot use, named by its full path, with the range it must lie in:
 * {@code riverlog.log.segment-bytes = 4831838208 is out of range: it must be between 61 and 2147483647 bytes}.
 * A {@link ConfigException}, so that whoever reports a bad configuration reports this one too.
 */
public final class SettingOutOfRangeException extends ConfigException {
    private static final long serialVersionUID = 1L;

    /** @param requirement what the value must be, as a clause: "it must be between 1 and 10" */
    public SettingOutOfRangeException(String path, Object value, String requirement) {
        super(path + " = " + value + " is out of range: " + requirement);
    }
}
