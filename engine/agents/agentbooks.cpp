#include "agents/agentbooks.h"

#include "cache/stockcache.h"
#include "db/pgarray.h"

#include <map>

namespace inv {

AgentBooks AgentBooks::check(PgConnection &db, RedisConnection &redis, const std::string &keyPrefix,
                             const std::vector<std::string> &skus, long long stockEach)
{
    AgentBooks books;
    books.initialStock = stockEach * static_cast<long long>(skus.size());
    const std::string list = pgTextArray(skus);
    const auto totals = db.exec(R"sql(
        WITH a AS (
            SELECT sku, version, stock_before, stock_after, action, quantity,
                   lag(stock_after) OVER w AS previous_after, lag(version) OVER w AS previous_version,
                   row_number() OVER (PARTITION BY sku ORDER BY version DESC) AS from_end
            FROM inventory_audit WHERE sku = ANY($1::text[])
            WINDOW w AS (PARTITION BY sku ORDER BY version)),
        per AS (
            SELECT sku, coalesce(sum(quantity) FILTER (WHERE action = 'purchase'), 0) AS bought,
                   coalesce(sum(quantity) FILTER (WHERE action = 'restock'), 0) AS added
            FROM a GROUP BY sku)
        SELECT (SELECT count(*) FROM a),
               (SELECT coalesce(sum(bought), 0) FROM per),
               (SELECT coalesce(sum(added), 0) FROM per),
               (SELECT coalesce(sum(greatest(0, bought - $2::bigint - added)), 0) FROM per),
               (SELECT count(*) FROM a WHERE previous_version IS NOT NULL
                    AND (stock_before <> previous_after OR version <> previous_version + 1))
             + (SELECT count(*) FROM a JOIN inventory i USING (sku)
                    WHERE a.from_end = 1 AND (a.version <> i.version OR a.stock_after <> i.stock)),
               (SELECT coalesce(sum(stock), 0) FROM inventory WHERE sku = ANY($1::text[])))sql",
                                {list, std::to_string(stockEach)});
    books.auditRows = totals.int64(0, 0);
    books.purchased = totals.int64(0, 1);
    books.restocked = totals.int64(0, 2);
    books.oversold = totals.int64(0, 3);
    books.brokenLinks = totals.int64(0, 4);
    books.finalStock = totals.int64(0, 5);

    const auto rows =
        db.exec("SELECT sku, stock, version FROM inventory WHERE sku = ANY($1::text[])", {list});
    std::map<std::string, std::pair<long long, long long>> inDb;
    for (int r = 0; r < rows.rows(); ++r)
        inDb[rows.text(r, 0)] = {rows.int32(r, 1), rows.int64(r, 2)};
    try {
        long long divergent = 0, cachedSum = 0;
        bool anyCached = false;
        constexpr std::size_t kBatch = 500;
        for (std::size_t begin = 0; begin < skus.size(); begin += kBatch) {
            std::vector<std::string> argv{"MGET"};
            for (std::size_t i = begin; i < std::min(skus.size(), begin + kBatch); ++i)
                argv.push_back(StockCache::key(skus[i], keyPrefix));
            RedisReply values = redis.command(argv);
            for (std::size_t i = 0; values.get() && i < values->elements; ++i) {
                const redisReply *v = values->element[i];
                if (v->type != REDIS_REPLY_STRING)
                    continue;
                const std::string text(v->str, v->len);
                const auto colon = text.find(':');
                const long long stock = std::stoll(text.substr(0, colon));
                const long long version = std::stoll(text.substr(colon + 1));
                anyCached = true;
                cachedSum += stock;
                if (inDb[skus[begin + i]] != std::pair<long long, long long>{stock, version})
                    ++divergent;
            }
        }
        books.divergentKeys = divergent;
        if (anyCached)
            books.cachedStock = cachedSum;
    } catch (const std::exception &) {
        // Unknown, not zero: the caller says so.
    }
    return books;
}

} // namespace inv
