// The "after": the row-locked write, then invalidate and refill under the distributed lock; a miss
// takes the same lock to fill while other readers wait briefly and retry the cache. The lock keeps
// the database quiet; correctness does not rest on it: every cache write is fenced by version (a
// holder whose lease ran out cannot put an older value back), and a holder does not write at all
// once its lease has run out. Correct, at the cost of lock round trips. Any thread.
#pragma once

#include "inventory/strategy.h"

namespace inv {

class LockedStrategy : public Strategy
{
public:
    using Strategy::Strategy;
    // How long a writer waits for the lock, and how a reader that finds it taken waits for the
    // holder's value (LoopReader and LoopWriter do the same).
    static constexpr std::chrono::milliseconds kWriterWait{1000};
    static constexpr std::chrono::milliseconds kReaderRetry{2};
    static constexpr int kReaderRetries = 50;
    // True while a tenth of the lease is left: Redis started the lease before acquiredAt was taken.
    static bool leaseLeft(const LockHandle &handle, std::chrono::milliseconds lease);

protected:
    StockView readMiss(const std::string &sku) override;
    WriteResult commit(const WriteRequest &request) override;
    bool updateCache(const WriteRequest &request, const WriteResult &result) override;
};

} // namespace inv
