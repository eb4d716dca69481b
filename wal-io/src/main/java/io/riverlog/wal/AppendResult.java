package io.riverlog.wal;

/**
 * Where an append landed.
 *
 * @param firstOffset  the base offset assigned to the first batch
 * @param lastOffset   the last offset of the last batch
 * @param logEndOffset the offset the next append will get
 */
public record AppendResult(long firstOffset, long lastOffset, long logEndOffset) {
}
