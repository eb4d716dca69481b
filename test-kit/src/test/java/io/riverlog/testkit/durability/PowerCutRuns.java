package io.riverlog.testkit.durability;

import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;

/**
 * Runs a power-cut scenario many times, each run with its own seed drawn from one seed that is
 * logged: {@code -D<property>=N} repeats every run exactly. While the runs go, the storage classes
 * log only errors: thousands of recoveries would otherwise print a few lines each.
 */
final class PowerCutRuns {
    private static final Logger log = LoggerFactory.getLogger(PowerCutRuns.class);
    private static final String[] CHATTY = {"io.riverlog.wal", "io.riverlog.actors"};

    /** One run of a scenario; returns the number of power cuts it made. */
    @FunctionalInterface
    interface Run {
        int run(Random random, int index) throws Exception;
    }

    private PowerCutRuns() {
    }

    /** Repeats {@code run}; returns the power cuts made in all. */
    static long repeat(String property, int runs, Run run) throws Exception {
        long seed = Long.getLong(property, System.nanoTime());
        log.info("{} power-cut runs with seed {} (repeat with -D{}={})", runs, seed, property, seed);
        Level[] levels = new Level[CHATTY.length];
        for (int i = 0; i < CHATTY.length; i++) {
            ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(CHATTY[i]);
            levels[i] = logger.getLevel();
            logger.setLevel(Level.ERROR);
        }
        Random seeds = new Random(seed);
        long cuts = 0;
        try {
            for (int i = 0; i < runs; i++) {
                long runSeed = seeds.nextLong();
                try {
                    cuts += run.run(new Random(runSeed), i);
                } catch (Exception | AssertionError e) {
                    throw new AssertionError("power-cut run " + i + " failed (repeat with -D" + property + "=" + seed
                            + "): " + e.getMessage(), e);
                }
            }
            log.info("{} power-cut runs with seed {}: {} cuts, every check held", runs, seed, cuts);
            return cuts;
        } finally {
            for (int i = 0; i < CHATTY.length; i++) {
                ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(CHATTY[i])).setLevel(levels[i]);
            }
        }
    }
}
