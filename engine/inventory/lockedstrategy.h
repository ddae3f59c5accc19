// The "after": the row-locked write, then invalidate and refill under the distributed lock; a miss
// takes the same lock to fill while other readers wait briefly and retry the cache. Correct, at the
// cost of lock round trips. Any thread.
#pragma once

#include "inventory/strategy.h"

namespace inv {

class LockedStrategy : public Strategy
{
public:
    using Strategy::Strategy;

protected:
    StockView readMiss(const std::string &sku) override;
    WriteResult writeThrough(const WriteRequest &request) override;
};

} // namespace inv
