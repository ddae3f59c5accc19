// Applies a batch of purchases of one SKU as one statement: the row is locked, buyers are granted
// in arrival order while the stock lasts (a buyer is refused only if its quantity exceeds what is
// left when its turn comes), the row is updated once by the total granted, and every granted buyer
// gets its own audit row with its own version, so that the ledger chains exactly as if the buyers
// had written one after another. Any thread; each call leases its own connection.
#pragma once

#include "db/pgpool.h"
#include "inventory/stockrecord.h"

#include <string>
#include <vector>

namespace inv {

// One buyer's part of a batch: granted with its result, or refused with the stock it found. A
// refused buyer whose request id was used before has `earlier` set: Same is a retry of a write
// that committed (`result` is that write, replayed), Other a different change under that id.
struct BatchPurchase
{
    enum class Earlier
    {
        None,
        Same,
        Other
    };
    bool granted = false;
    WriteResult result;
    int stockLeft = 0;
    Earlier earlier = Earlier::None;
};

class PurchaseBatch
{
public:
    PurchaseBatch(PgPool &pool, std::string serverId, std::string actor);

    // The batch statement, its parameters (InvalidInput for a request that is no purchase of `sku`
    // with a positive quantity) and its reading, for a client that sends it itself. read() throws
    // UnknownSku or DbError; `lookAgain` says the row moved while the statement waited for its lock,
    // so that a refused buyer with a request id may be a retry whose first write committed meanwhile.
    static const char *sql();
    static std::vector<PgParam> params(const std::string &sku,
                                       const std::vector<const WriteRequest *> &requests,
                                       const std::string &serverId, const std::string &actor);
    static std::vector<BatchPurchase>
    read(const PgResult &rows, const std::vector<const WriteRequest *> &requests, bool &lookAgain);

    // Every request must be a purchase of `sku` with a positive quantity (checked; InvalidInput
    // otherwise, nothing written). Throws UnknownSku for a missing row, DbError on a database
    // failure (then nothing was written, or, if the session ended, the writes are in doubt and
    // their request ids settle them). Outcomes are in the requests' order.
    std::vector<BatchPurchase> apply(const std::string &sku,
                                     const std::vector<const WriteRequest *> &requests);

private:
    // Refused buyers whose request id the batch's snapshot did not find, looked up again after the
    // row lock: a retry that waited behind its own first write is then replayed, not refused.
    static void lookAgain(PgConnection &connection, const std::string &sku,
                          const std::vector<const WriteRequest *> &requests, std::vector<BatchPurchase> &out);

    PgPool &m_pool;
    std::string m_serverId;
    std::string m_actor;
};

} // namespace inv
