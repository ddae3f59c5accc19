#include "sim/consistencychecker.h"

#include "cache/stockcache.h"
#include "db/pgarray.h"
#include "errors.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace inv {

namespace {

struct DbRow
{
    long long stock;
    std::int64_t version;
};

// Reads the database rows and cache entries of skus[begin, end) in two round trips. Returns false
// when the cache could not be read (every entry is then nullopt, which means unknown, not missing).
bool compareBatch(PgPool &db, RedisPool &cache, const std::string &keyPrefix,
                  const std::vector<std::string> &skus, std::size_t begin, std::size_t end,
                  std::vector<DbRow> &rows,
                  std::vector<std::optional<std::pair<long long, std::int64_t>>> &cached)
{
    std::unordered_map<std::string, DbRow> byKey;
    {
        auto connection = db.acquire();
        auto result =
            connection->exec("SELECT sku, stock, version FROM inventory WHERE sku = ANY($1::text[])",
                             {pgTextArray(std::span(skus).subspan(begin, end - begin))});
        for (int r = 0; r < result.rows(); ++r)
            byKey.emplace(result.text(r, 0), DbRow{result.int64(r, 1), result.int64(r, 2)});
    }
    for (std::size_t i = begin; i < end; ++i) {
        auto it = byKey.find(skus[i]);
        rows.push_back(it == byKey.end() ? DbRow{-1, -1} : it->second);
    }
    try {
        auto connection = cache.acquire();
        std::vector<std::string> mget{"MGET"};
        for (std::size_t i = begin; i < end; ++i)
            mget.push_back(StockCache::key(skus[i], keyPrefix));
        auto reply = connection->command(mget);
        for (std::size_t i = 0; i < reply->elements; ++i) {
            // Borrowed: the array reply owns its elements.
            const redisReply *element = reply->element[i];
            cached.emplace_back();
            if (element->type == REDIS_REPLY_STRING) {
                const std::string value(element->str, element->len);
                const auto colon = value.find(':');
                long long stock = 0;
                std::int64_t version = 0;
                if (colon != std::string::npos &&
                    std::from_chars(value.data(), value.data() + colon, stock).ec == std::errc() &&
                    std::from_chars(value.data() + colon + 1, value.data() + value.size(), version).ec ==
                        std::errc())
                    cached.back() = std::make_pair(stock, version);
            }
        }
    } catch (const Error &) {
        cached.assign(rows.size(), std::nullopt);
        return false;
    }
    return true;
}

// Counts the broken links of the audit chain of skus[begin, end) in one round trip: rows ordered
// by version after each key's initial version, each stock_before equal to the previous stock_after
// (the first to the initial stock), and the key's stock equal to the last stock_after.
long long brokenLinks(PgPool &db, const std::vector<std::string> &skus, const std::vector<long long> &stock,
                      const std::vector<std::int64_t> &version, std::size_t begin, std::size_t end)
{
    std::string stocks = "{", versions = "{";
    for (std::size_t i = begin; i < end; ++i) {
        if (i != begin) {
            stocks += ',';
            versions += ',';
        }
        stocks += std::to_string(stock[i]);
        versions += std::to_string(version[i]);
    }
    auto connection = db.acquire();
    return connection
        ->exec(R"sql(
WITH start AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS s(sku, version, stock)),
chain AS (
    SELECT a.sku, a.stock_before, a.stock_after, s.stock AS initial,
           lag(a.stock_after) OVER (PARTITION BY a.sku ORDER BY a.version, a.id) AS previous_after,
           row_number() OVER (PARTITION BY a.sku ORDER BY a.version DESC, a.id DESC) AS from_end
    FROM inventory_audit a JOIN start s ON s.sku = a.sku AND a.version > s.version)
SELECT (SELECT count(*) FROM chain WHERE stock_before <> coalesce(previous_after, initial))
     + (SELECT count(*) FROM start s JOIN inventory i ON i.sku = s.sku
        LEFT JOIN chain c ON c.sku = s.sku AND c.from_end = 1
        WHERE i.stock <> coalesce(c.stock_after, s.stock)))sql",
               {pgTextArray(std::span(skus).subspan(begin, end - begin)), versions + "}", stocks + "}"})
        .int64(0, 0);
}
} // namespace

ConsistencyChecker::ConsistencyChecker(std::vector<std::string> skus, std::vector<long long> initialStock,
                                       std::vector<std::int64_t> initialVersion, std::string keyPrefix)
    : m_skus(std::move(skus)), m_initial(std::move(initialStock)),
      m_initialVersion(std::move(initialVersion)), m_keyPrefix(std::move(keyPrefix)),
      m_keys(new KeyBooks[m_skus.size()])
{}

bool ConsistencyChecker::onRead(std::int64_t floor, std::int64_t version)
{
    if (version >= floor)
        return false;
    m_staleReads.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void ConsistencyChecker::onWrite(int key, Action action, int quantity, std::int64_t version)
{
    auto &books = m_keys[static_cast<std::size_t>(key)];
    if (action == Action::Purchase)
        books.sold.fetch_add(quantity, std::memory_order_relaxed);
    else if (action == Action::Restock)
        books.restocked.fetch_add(quantity, std::memory_order_relaxed);
    std::int64_t seen = books.acked.load(std::memory_order_relaxed);
    while (version > seen && !books.acked.compare_exchange_weak(seen, version, std::memory_order_release)) {
    }
    m_writes.fetch_add(1, std::memory_order_relaxed);
}

long long ConsistencyChecker::oversoldSoFar() const
{
    long long total = 0;
    for (std::size_t k = 0; k < m_skus.size(); ++k) {
        const auto &books = m_keys[k];
        total += std::max(0LL, books.sold.load(std::memory_order_relaxed) - m_initial[k] -
                                   books.restocked.load(std::memory_order_relaxed));
    }
    return total;
}

std::vector<KeySample> ConsistencyChecker::sample(PgPool &db, RedisPool &cache,
                                                  const std::vector<int> &keys) const
{
    std::vector<std::string> skus;
    for (int k : keys)
        skus.push_back(m_skus[static_cast<std::size_t>(k)]);
    std::vector<DbRow> rows;
    std::vector<std::optional<std::pair<long long, std::int64_t>>> cached;
    compareBatch(db, cache, m_keyPrefix, skus, 0, skus.size(), rows, cached);
    std::vector<KeySample> out;
    for (std::size_t i = 0; i < skus.size(); ++i) {
        KeySample s;
        s.dbStock = rows[i].stock;
        if (cached[i]) {
            s.cacheStock = cached[i]->first;
            s.divergent = cached[i]->second != rows[i].version || cached[i]->first != rows[i].stock;
        }
        out.push_back(s);
    }
    return out;
}

LedgerResult ConsistencyChecker::finish(PgPool &db, RedisPool &cache, const std::string &serverIdPrefix,
                                        bool shared) const
{
    LedgerResult out;
    bool equationHolds = true;
    long long cacheSum = 0;
    bool anyCached = false;
    bool cacheRead = true;
    long long divergent = 0;
    constexpr std::size_t kBatch = 1000;
    for (std::size_t begin = 0; begin < m_skus.size(); begin += kBatch) {
        const std::size_t end = std::min(m_skus.size(), begin + kBatch);
        std::vector<DbRow> rows;
        std::vector<std::optional<std::pair<long long, std::int64_t>>> cached;
        cacheRead = compareBatch(db, cache, m_keyPrefix, m_skus, begin, end, rows, cached) && cacheRead;
        out.brokenLinks += brokenLinks(db, m_skus, m_initial, m_initialVersion, begin, end);
        for (std::size_t i = begin; i < end; ++i) {
            const auto &books = m_keys[i];
            const DbRow &row = rows[i - begin];
            const long long sold = books.sold.load();
            const long long restocked = books.restocked.load();
            out.initialStock += m_initial[i];
            out.finalDbStock += row.stock;
            out.oversold += std::max(0LL, sold - m_initial[i] - restocked);
            if (row.stock != m_initial[i] - sold + restocked)
                equationHolds = false;
            const auto &entry = cached[i - begin];
            if (entry) {
                anyCached = true;
                cacheSum += entry->first;
                if (entry->second != row.version || entry->first != row.stock)
                    ++divergent;
            }
        }
    }
    if (anyCached && cacheRead)
        out.finalCacheStock = cacheSum;
    if (cacheRead)
        out.divergentKeys = divergent;
    auto connection = db.acquire();
    out.auditRows =
        connection
            ->exec("SELECT count(*) FROM inventory_audit WHERE starts_with(server_id, $1)", {serverIdPrefix})
            .int64(0, 0);
    out.ledgerOk = (shared || equationHolds) && out.auditRows == successfulWrites() && out.brokenLinks == 0;
    return out;
}

} // namespace inv
