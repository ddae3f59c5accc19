// `combined`'s purchases on an event loop, as WriteCombiner combines them on threads: the purchases
// of one SKU that arrive while a write for it is in flight wait in the SKU's lane, and when that
// write ends the lane's waiting purchases (up to the server's batch limit) go as one batch statement
// (PurchaseBatch). A purchase alone takes `versioned`'s single statement through the writer. The
// batch's last granted version goes to the cache once, version-fenced, after the race delay; if
// that fails, one repair mark covers the batch before any buyer is answered. A buyer the statement
// cannot settle alone is sent through the writer by itself, with its request id: a batch whose
// connection failed under it (in doubt), one that hit a used request id, a refusal the statement
// asks to look at again, and a request id used for another change (refused with its details). The
// lane is free again once the batch's answers are out. Loop thread only, construction aside.
#pragma once

#include "inventory/inventoryservice.h"
#include "loop/asyncpgconnection.h"
#include "loop/loopcache.h"
#include "loop/looprepairs.h"
#include "loop/loopwriteoutcome.h"

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace inv {

class LoopBatcher
{
public:
    // Sends one write by itself through the writer; `inDoubt` marks one that may have committed.
    using SendAlone = std::function<void(WriteRequest, LoopWriteDone, bool inDoubt)>;
    // Sends the batch statement with these parameters over one of the writer's connections.
    using SendBatch = std::function<void(std::vector<PgParam>, AsyncPgConnection::Callback)>;

    LoopBatcher(InventoryService &server, LoopCache &cache, LoopRepairs &repairs, SendAlone alone,
                SendBatch batch);

    // What a batch carries: a purchase of a positive quantity that reverses nothing.
    static bool takes(const WriteRequest &request);
    void add(WriteRequest request, LoopWriteDone done);

private:
    struct Buyer
    {
        WriteRequest request;
        LoopWriteDone done;
    };
    struct Lane
    {
        std::deque<Buyer> waiting;
        bool busy = false;
    };
    // Starts the lane's next write, or frees the lane when nobody waits.
    void next(const std::string &sku);
    void answered(const std::string &sku, std::vector<Buyer> buyers, AsyncPgConnection::Answer answer);
    // Every buyer by itself; the lane goes on at once.
    void alone(const std::string &sku, std::vector<Buyer> &buyers, bool inDoubt);

    InventoryService &m_server;
    LoopCache &m_cache;
    LoopRepairs &m_repairs;
    SendAlone m_alone;
    SendBatch m_batch;
    std::unordered_map<std::string, Lane> m_lanes;
};

} // namespace inv
