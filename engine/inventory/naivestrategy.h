// The "before": a row lock in the transaction, then a plain SET of the cache after commit; restock
// deletes the key and a miss fills with no lock. Out-of-order sets and stale fills leave the cache
// stale, and an expiry sends every reader to the database at once. Any thread.
#pragma once

#include "inventory/strategy.h"

namespace inv {

class NaiveStrategy : public Strategy
{
public:
    using Strategy::Strategy;

protected:
    StockView readMiss(const std::string &sku) override;
    WriteResult commit(const WriteRequest &request) override;
    bool updateCache(const WriteRequest &request, const WriteResult &result) override;
};

} // namespace inv
