package io.riverlog.streams;

/**
 * A stream's place in its partition: where its next read starts (earliest and latest until the
 * first read resolves them), or that it is finished, and whether that read may wait at the tail.
 */
record ReadCursor(StartOffset next, boolean finished, boolean mayWait) {

    static ReadCursor startingAt(StartOffset start) {
        return new ReadCursor(start, false, true);
    }

    /** A cursor whose first read is answered at once, even at the tail; the reads after it wait as usual. */
    static ReadCursor answeredAtOnce(StartOffset start) {
        return new ReadCursor(start, false, false);
    }

    /** The stream ends here: after a failed read. */
    ReadCursor finish() {
        return new ReadCursor(next, true, mayWait);
    }

    /**
     * Where the stream continues after a read: at the read's next offset. A stream that does not
     * follow the tail is finished once a read reaches the high watermark it reported.
     */
    ReadCursor after(FetchedBatches fetched, boolean follow) {
        boolean reachedEnd = !follow && fetched.nextOffset() >= fetched.highWatermark();
        return new ReadCursor(StartOffset.at(fetched.nextOffset()), reachedEnd, true);
    }
}
