package io.riverlog.wal;

/** Producer sequence numbers: non-negative ints that wrap from {@link Integer#MAX_VALUE} to 0. */
public final class Sequences {
    private Sequences() {
    }

    public static int add(int sequence, int increment) {
        long sum = (long) sequence + increment;
        return (int) (sum > Integer.MAX_VALUE ? sum - Integer.MAX_VALUE - 1 : sum);
    }

    public static int next(int sequence) {
        return add(sequence, 1);
    }
}
