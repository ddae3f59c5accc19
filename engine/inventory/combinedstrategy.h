// Write combining on a hot row: reads and the cache are `versioned`'s, and the purchases of one SKU
// that queue behind a write in flight are applied together as one statement (PurchaseBatch), each
// buyer with its own result, audit row and version; the batch's leader then sets the cache once to
// the batch's last version, fenced as `versioned` does. The row stays the only truth, so batches
// from several servers and processes interleave correctly. Restocks and adjustments are written
// one by one. Any thread.
#pragma once

#include "inventory/versionedstrategy.h"

namespace inv {

class CombinedStrategy : public VersionedStrategy
{
public:
    using VersionedStrategy::VersionedStrategy;

protected:
    WriteResult commit(const WriteRequest &request) override;

private:
    // Writes each buyer with `versioned`'s statement and cache update, one after another.
    std::vector<CombinedOutcome> applyAlone(const std::vector<const WriteRequest *> &requests);
    std::vector<CombinedOutcome> applyBatch(const std::string &sku,
                                            const std::vector<const WriteRequest *> &requests);
};

} // namespace inv
