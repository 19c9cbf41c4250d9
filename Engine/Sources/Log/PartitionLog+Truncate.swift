extension PartitionLog {
    /// Removes every batch at or above `offset`, as a follower does when its log diverges from the
    /// leader's. Truncation works on whole batches: if `offset` falls inside a batch, that whole
    /// batch goes, and the new log end offset is its base offset. Returns the new log end offset.
    @discardableResult
    public func truncate(to offset: Int64) throws(EngineError) -> Int64 {
        try lock.withLock { () throws(EngineError) -> Int64 in
            guard offset < state.logEndOffset else { return state.logEndOffset }
            guard offset > state.logStartOffset else {
                try truncateFullyLocked(startAt: max(offset, state.logStartOffset))
                return state.logEndOffset
            }
            while state.segments.count > 1, state.active.baseOffset >= offset {
                let doomed = state.segments.removeLast()
                try doomed.deleteFiles()
            }
            let segment = state.active
            let newEnd: Int64
            if let (position, header) = try segment.translateOffset(offset) {
                newEnd = header.baseOffset
                try segment.truncate(atPosition: position, newNextOffset: newEnd)
            } else {
                newEnd = segment.nextOffset
            }
            if newEnd <= state.logStartOffset {
                try truncateFullyLocked(startAt: state.logStartOffset)
                return state.logEndOffset
            }
            try afterTruncation(newEnd)
            return newEnd
        }
    }

    /// Deletes every segment and starts an empty log at `offset` (a follower that fell below the
    /// leader's log start, or a truncation below the local start).
    public func truncateFully(startAt offset: Int64) throws(EngineError) {
        try lock.withLock { () throws(EngineError) in try truncateFullyLocked(startAt: offset) }
    }

    private func truncateFullyLocked(startAt offset: Int64) throws(EngineError) {
        let doomed = state.segments
        for segment in doomed { try segment.deleteFiles() }
        try state.producers.deleteAllSnapshots()
        state.segments = [try Segment.create(directory: directory, baseOffset: offset, config: state.config, now: clock())]
        state.logStartOffset = offset
        try afterTruncation(offset)
    }

    private func afterTruncation(_ newEnd: Int64) throws(EngineError) {
        state.highWatermark = min(state.highWatermark, newEnd)
        state.recoveryPoint = min(state.recoveryPoint, newEnd)
        try reloadProducerState(truncatedTo: newEnd)
        if state.epochs.truncate(fromEnd: newEnd) { try state.epochs.save() }
    }
}

extension Segment {
    /// Cuts the segment at `position` (a batch boundary) and makes it appendable again: indexes
    /// regrown and cut to the remaining batches, end state recomputed from the last index entry.
    func truncate(atPosition position: Int64, newNextOffset: Int64) throws(EngineError) {
        try log.truncate(to: position)
        try offsetIndex.file.resize(maxIndexBytes: maxIndexBytes)
        try timeIndex.file.resize(maxIndexBytes: maxIndexBytes)
        offsetIndex.truncate(toOffset: newNextOffset)
        timeIndex.truncate(toOffset: newNextOffset)
        try transactionIndex.truncate(toOffset: newNextOffset)
        resetEnd(size: position, nextOffset: newNextOffset)
        try reloadTailState()
    }

    /// Recomputes the largest timestamp and the bytes since the last index entry by stepping over
    /// the batches after the last offset-index entry.
    func reloadTailState() throws(EngineError) {
        let lastEntry = offsetIndex.entryCount > 0 ? offsetIndex.entry(offsetIndex.entryCount - 1).position : 0
        var maxTimestamp = timeIndex.lastEntry
        var position = lastEntry
        var first: Int64?
        while let header = try batchHeader(at: position) {
            if position == 0 { first = header.maxTimestamp }
            if header.maxTimestamp > (maxTimestamp?.timestamp ?? Int64.min) {
                maxTimestamp = TimestampOffset(timestamp: header.maxTimestamp, offset: header.lastOffset)
            }
            position += Int64(header.totalSize)
        }
        restoreTailState(maxTimestamp: maxTimestamp, bytesSinceLastIndexEntry: size - lastEntry, firstBatchTimestamp: first)
    }
}
