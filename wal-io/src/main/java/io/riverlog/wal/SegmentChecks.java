package io.riverlog.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one segment's batches were found to be since the segment was opened: runs of bytes whose
 * batches passed every check (CRC32C, sizes, offsets), and damaged ranges. A byte may leave the
 * broker only from a verified run. Appends of this process are verified as they are written (their
 * CRCs were checked when they arrived); older bytes are verified by recovery, by the first read that
 * reaches them, or by the scrubber. Thread-safe: readers on any thread verify and record.
 */
final class SegmentChecks {

    /** Whole batches at positions {@code [start, end)} holding offsets {@code [startOffset, endOffset)}. */
    record Run(int start, int end, long startOffset, long endOffset) {
    }

    private final TreeMap<Integer, Run> verified = new TreeMap<>();
    private final TreeMap<Integer, Damage> damaged = new TreeMap<>();

    synchronized void verified(int start, int end, long startOffset, long endOffset) {
        if (end <= start) {
            return;
        }
        Run run = new Run(start, end, startOffset, endOffset);
        Map.Entry<Integer, Run> before = verified.floorEntry(start);
        if (before != null && before.getValue().end() >= start) {
            Run previous = before.getValue();
            verified.remove(previous.start());
            run = previous.end() >= end ? previous : new Run(previous.start(), end, previous.startOffset(), endOffset);
        }
        Map.Entry<Integer, Run> after = verified.ceilingEntry(run.start() + 1);
        while (after != null && after.getKey() <= run.end()) {
            Run next = after.getValue();
            verified.remove(next.start());
            if (next.end() > run.end()) {
                run = new Run(run.start(), next.end(), run.startOffset(), next.endOffset());
            }
            after = verified.ceilingEntry(run.start() + 1);
        }
        verified.put(run.start(), run);
    }

    /** The end of the verified run holding {@code position}, or {@code position} itself if none does. */
    synchronized int verifiedEnd(int position) {
        Map.Entry<Integer, Run> run = verified.floorEntry(position);
        return run != null && run.getValue().end() > position ? run.getValue().end() : position;
    }

    /** The first verified run that starts after {@code position}, or null. */
    synchronized Run nextVerified(int position) {
        Map.Entry<Integer, Run> next = verified.higherEntry(position);
        return next == null ? null : next.getValue();
    }

    /**
     * The offset that starts at {@code position}, if it is a boundary of a verified run or of damage;
     * -1 if it is not known here.
     */
    synchronized long offsetAtBoundary(int position) {
        Map.Entry<Integer, Run> run = verified.floorEntry(position);
        if (run != null && run.getValue().end() == position) {
            return run.getValue().endOffset();
        }
        if (run != null && run.getValue().start() == position) {
            return run.getValue().startOffset();
        }
        for (Damage damage : damaged.values()) {
            if (damage.endPosition() == position) {
                return damage.nextOffset();
            }
            if (damage.position() == position) {
                return damage.baseOffset();
            }
        }
        return -1;
    }

    synchronized boolean hasDamage() {
        return !damaged.isEmpty();
    }

    /** The damage whose bytes hold {@code position}, or null. */
    synchronized Damage damageAt(int position) {
        Map.Entry<Integer, Damage> entry = damaged.floorEntry(position);
        return entry != null && entry.getValue().endPosition() > position ? entry.getValue() : null;
    }

    /** The first damage starting in {@code [from, to)}, or null. */
    synchronized Damage firstDamageIn(int from, int to) {
        Map.Entry<Integer, Damage> entry = damaged.ceilingEntry(from);
        return entry != null && entry.getKey() < to ? entry.getValue() : null;
    }

    /** The damage holding {@code offset}, or null. */
    synchronized Damage damageHolding(long offset) {
        for (Damage damage : damaged.values()) {
            if (damage.holds(offset)) {
                return damage;
            }
        }
        return null;
    }

    /** Records damage; false if it was known already. */
    synchronized boolean damaged(Damage damage) {
        return damaged.putIfAbsent(damage.position(), damage) == null;
    }

    synchronized List<Damage> damage() {
        return new ArrayList<>(damaged.values());
    }

    /** Forgets what lay at or after {@code position}, which held {@code offset}: the segment was cut there. */
    synchronized void truncateTo(int position, long offset) {
        damaged.tailMap(position, true).clear();
        verified.tailMap(position, true).clear();
        Map.Entry<Integer, Run> last = verified.lastEntry();
        if (last != null && last.getValue().end() > position) {
            Run run = last.getValue();
            verified.put(run.start(), new Run(run.start(), position, run.startOffset(), offset));
        }
        Map.Entry<Integer, Damage> lastDamage = damaged.lastEntry();
        if (lastDamage != null && lastDamage.getValue().endPosition() > position) {
            damaged.remove(lastDamage.getKey());
        }
    }
}
