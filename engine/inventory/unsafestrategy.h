// The demo's broken strategy: it checks stock in the cache (or the database) and then writes the value
// it computed, with no row lock, so concurrent buyers overwrite each other and oversell. Any thread.
#pragma once

#include "inventory/strategy.h"

namespace inv {

class UnsafeStrategy : public Strategy
{
public:
    using Strategy::Strategy;

protected:
    StockView readMiss(const std::string &sku) override;
    WriteResult commit(const WriteRequest &request) override;
    bool updateCache(const WriteRequest &request, const WriteResult &result) override;
};

} // namespace inv
