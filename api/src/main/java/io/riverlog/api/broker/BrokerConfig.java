package io.riverlog.api.broker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;

/**
 * The broker's defaults, as Pekko expects them from a set of modules: each module's own settings in
 * its reference.conf (wal-io, actors, streams, api), merged from the class path with Pekko's; over
 * them the Pekko settings the broker needs ({@value #PEKKO_SETTINGS}); over those, as with
 * {@link ConfigFactory#load()}, an application.conf if one is on the class path and Java system
 * properties. The Pekko settings are a file of their own because a reference.conf cannot override
 * another library's: of several on the class path the first wins, and in the merged broker jar
 * Pekko's come last.
 */
public final class BrokerConfig {
    /** The resource, beside api's reference.conf, with the Pekko settings the broker needs. */
    static final String PEKKO_SETTINGS = "riverlog-pekko.conf";

    private BrokerConfig() {
    }

    /** The defaults described above, resolved; a config file and flags go over them. */
    public static Config defaults() {
        return defaults(BrokerConfig.class.getClassLoader());
    }

    static Config defaults(ClassLoader loader) {
        Config pekko = ConfigFactory.parseResources(loader, PEKKO_SETTINGS,
                ConfigParseOptions.defaults().setAllowMissing(false));
        return ConfigFactory.defaultOverrides(loader)
                .withFallback(ConfigFactory.defaultApplication(loader))
                .withFallback(pekko)
                .withFallback(ConfigFactory.defaultReferenceUnresolved(loader))
                .resolve();
    }
}
