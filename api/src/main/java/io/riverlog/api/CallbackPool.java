package io.riverlog.api;

import com.typesafe.config.Config;

import io.riverlog.settings.ConfigValues;

/**
 * Sizes the JVM's common pool before anything uses it. Replies to asks reach Java code as
 * CompletionStages whose callbacks run on that pool; on a machine with two cores its default
 * parallelism is 1, and then the JDK starts a new thread for every callback instead, which costs
 * more than the work of a produce request. The pool reads its size once, when it is first used, so
 * this must run before that: {@code Main} runs it as soon as the whole configuration (flags, config
 * file, defaults) is built, before anything starts. A parallelism set with
 * {@code -D}{@value #PARALLELISM_PROPERTY} is left as it is.
 */
final class CallbackPool {
    static final String PARALLELISM_PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";
    /** The most threads a ForkJoinPool runs. */
    private static final int MAX_PARALLELISM = 0x7fff;

    private CallbackPool() {
    }

    static void configure(Config config) {
        if (System.getProperty(PARALLELISM_PROPERTY) == null) {
            int threads = Math.max(ConfigValues.intValue(config, "riverlog.callback-threads", 1, MAX_PARALLELISM),
                    Runtime.getRuntime().availableProcessors());
            System.setProperty(PARALLELISM_PROPERTY, Integer.toString(threads));
        }
    }
}
