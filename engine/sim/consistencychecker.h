// Keeps the books of a simulation run from the clients' side. It detects stale reads as docs/ARCHITECTURE.md
// defines them (a read that started after a write of version v was acknowledged and returned a
// version below v), sums units sold and restocked per key, and at the end compares them with the
// database and the cache: oversold units, the ledger (including the chain of audit rows, each
// row's stock_before equal to the previous row's stock_after), and divergent keys. Workers call the
// on*() methods concurrently (relaxed atomics per key, no lock); the end checks run on one thread.
#pragma once

#include "cache/redispool.h"
#include "db/pgpool.h"
#include "inventory/stockrecord.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace inv {

struct LedgerResult
{
    long long initialStock = 0;
    long long finalDbStock = 0;
    std::optional<long long> finalCacheStock;
    long long oversold = 0;
    // Unknown (nullopt) when the cache could not be read at the end.
    std::optional<long long> divergentKeys;
    long long auditRows = 0;
    // Audit rows whose stock_before is not the previous row's stock_after (or the initial stock),
    // plus keys whose stock is not the last row's stock_after: lost updates show up here.
    long long brokenLinks = 0;
    bool ledgerOk = false;
};

struct KeySample
{
    long long dbStock = -1;
    long long cacheStock = -1;
    bool divergent = false;
};

class ConsistencyChecker
{
public:
    // initialVersion is each key's version when initialStock was read: the audit chain starts after it.
    // keyPrefix is the run's Redis prefix, put before every cache key it reads.
    ConsistencyChecker(std::vector<std::string> skus, std::vector<long long> initialStock,
                       std::vector<std::int64_t> initialVersion, std::string keyPrefix = {});

    // Call just before a read starts; pass the result to onRead.
    std::int64_t readFloor(int key) const
    {
        return m_keys[static_cast<std::size_t>(key)].acked.load(std::memory_order_acquire);
    }
    // Returns true and counts it if the read went back behind an acknowledged write.
    bool onRead(std::int64_t floor, std::int64_t version);
    void onWrite(int key, Action action, int quantity, std::int64_t version);

    long long staleReads() const { return m_staleReads.load(std::memory_order_relaxed); }
    long long successfulWrites() const { return m_writes.load(std::memory_order_relaxed); }
    // Units sold beyond what existed, from the clients' own counts; cheap enough to call per tick.
    long long oversoldSoFar() const;

    // Compares the database's and the cache's view of some keys, for the live charts.
    std::vector<KeySample> sample(PgPool &db, RedisPool &cache, const std::vector<int> &keys) const;
    // The end-of-run checks over every key. With a shared SKU other processes write too, so the
    // stock equation cannot be checked from here; the audit rows still must match and chain.
    LedgerResult finish(PgPool &db, RedisPool &cache, const std::string &serverIdPrefix, bool shared) const;

    const std::vector<std::string> &skus() const { return m_skus; }

private:
    struct alignas(64) KeyBooks
    {
        std::atomic<std::int64_t> acked{0};
        std::atomic<long long> sold{0};
        std::atomic<long long> restocked{0};
        std::atomic<long long> adjusted{0};
    };

    std::vector<std::string> m_skus;
    std::vector<long long> m_initial;
    std::vector<std::int64_t> m_initialVersion;
    std::string m_keyPrefix;
    std::unique_ptr<KeyBooks[]> m_keys;
    std::atomic<long long> m_staleReads{0};
    std::atomic<long long> m_writes{0};
};

} // namespace inv
