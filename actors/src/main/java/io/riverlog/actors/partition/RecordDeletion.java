package io.riverlog.actors.partition;

import io.riverlog.actors.partition.PartitionActor.DeleteRecords;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsError;
import io.riverlog.actors.partition.PartitionActor.DeleteRecordsFailed;
import io.riverlog.actors.partition.PartitionActor.LogStartMoved;

/**
 * Kafka's DeleteRecords for a partition that is online: the offset is checked against the high
 * watermark ({@link DeleteRecords#HIGH_WATERMARK} is it), and a move of the log start is handed to
 * the {@link LogWriter}, after the write rounds handed to it before. The writer answers once the new
 * start is durable; from that moment every read below it is out of range, because the log checks
 * its start on every read and {@link ReadPath} before its buffer.
 */
final class RecordDeletion {
    private RecordDeletion() {
    }

    static void start(DeleteRecords delete, ReadPath reads, PartitionWiring wiring) {
        long highWatermark = reads.highWatermark();
        long logStart = reads.logStartOffset();
        long offset = delete.offset() == DeleteRecords.HIGH_WATERMARK ? highWatermark : delete.offset();
        if (offset < 0 || offset > highWatermark) {
            delete.replyTo().tell(new DeleteRecordsFailed(DeleteRecordsError.OFFSET_OUT_OF_RANGE, "cannot delete the"
                    + " records of " + wiring.id() + " below offset " + delete.offset() + ": it is outside [" + logStart
                    + ", " + highWatermark + "], from the log start to the high watermark"));
        } else if (offset <= logStart) {
            delete.replyTo().tell(new LogStartMoved(logStart));
        } else {
            wiring.writer().tell(new LogWriter.MoveLogStart(offset, delete.replyTo()));
        }
    }
}
