// One conditional statement writes stock and audit; the cache takes a value only if its version is
// newer (Lua). Misses are coalesced inside the process and leased across servers, so one server
// fills a cold key. Correct with no lock on the write path. Any thread.
#pragma once

#include "inventory/strategy.h"

namespace inv {

class VersionedStrategy : public Strategy
{
public:
    using Strategy::Strategy;
    // The fill lease, and how a reader that finds another server's lease waits for its value
    // (LoopReader reads the same way).
    static constexpr std::chrono::milliseconds kFillLease{500};
    static constexpr std::chrono::milliseconds kReaderRetry{2};
    static constexpr int kReaderRetries = 25;

protected:
    StockView readMiss(const std::string &sku) override;
    WriteResult commit(const WriteRequest &request) override;
    bool updateCache(const WriteRequest &request, const WriteResult &result) override;
};

} // namespace inv
