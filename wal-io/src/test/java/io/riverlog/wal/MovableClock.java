package io.riverlog.wal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that stands still until the test moves it; any thread may read it. For the tests of every module. */
public final class MovableClock extends Clock {
    private final AtomicLong nowMs;

    public MovableClock(Instant start) {
        this.nowMs = new AtomicLong(start.toEpochMilli());
    }

    public void advance(Duration by) {
        nowMs.addAndGet(by.toMillis());
    }

    public void advanceMs(long ms) {
        nowMs.addAndGet(ms);
    }

    @Override
    public long millis() {
        return nowMs.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
