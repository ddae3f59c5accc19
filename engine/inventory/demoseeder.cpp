#include "inventory/demoseeder.h"

#include "errors.h"
#include "inventory/quantity.h"

#include <algorithm>
#include <cstdio>

namespace inv {

namespace {
// The SKU expression is shared by both statements so that they always agree on the names.
constexpr const char *kSeed = R"sql(
INSERT INTO inventory (sku, name, stock, version, updated_at)
SELECT 'SKU-' || lpad(g::text, greatest(4, length($1::text)), '0'),
       (ARRAY['Walnut','Steel','Linen','Copper','Oak','Cobalt','Amber','Slate','Maple','Ivory'])[1 + g % 10]
       || ' ' ||
       (ARRAY['Desk Lamp','Armchair','Notebook','Kettle','Backpack','Headphones','Mug','Bookshelf','Rug','Clock'])
       [1 + (g / 10) % 10],
       $2, 1, clock_timestamp()
FROM generate_series(1, $1::int) AS g
ON CONFLICT (sku) DO NOTHING)sql";

constexpr const char *kReset = R"sql(
WITH old AS (
    SELECT sku, stock FROM inventory
    WHERE sku IN (SELECT 'SKU-' || lpad(g::text, greatest(4, length($1::text)), '0')
                  FROM generate_series(1, $1::int) AS g)
      AND stock <> $2
    FOR UPDATE),
u AS (
    UPDATE inventory i SET stock = $2, version = i.version + 1, updated_at = clock_timestamp()
    FROM old WHERE i.sku = old.sku
    RETURNING i.sku, old.stock AS before, i.stock, i.version)
INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason)
SELECT sku, 'adjust', stock - before, before, stock, version, $3, 'init --reset' FROM u
RETURNING sku)sql";
} // namespace

DemoSeeder::DemoSeeder(InventoryService &service) : m_service(service) {}

std::string DemoSeeder::skuFor(int number, int products)
{
    const int width = std::max(4, static_cast<int>(std::to_string(products).size()));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "SKU-%0*d", width, number);
    return buffer;
}

SeedResult DemoSeeder::seed(int products, int stock, bool reset)
{
    if (products < 0 || products > 10'000'000)
        throw InvalidInput("invalid --products " + std::to_string(products) +
                           ": give a number from 0 to 10000000");
    Quantity::check(stock, true);
    SeedResult result;
    std::vector<std::string> resetSkus;
    {
        auto connection = m_service.pgPool().acquire();
        PgTransaction tx(*connection);
        result.created =
            connection->exec(kSeed, {std::to_string(products), std::to_string(stock)}).affected();
        if (reset) {
            auto rows = connection->exec(
                kReset, {std::to_string(products), std::to_string(stock), m_service.serverId()});
            for (int r = 0; r < rows.rows(); ++r)
                resetSkus.push_back(rows.text(r, 0));
            result.reset = rows.rows();
        }
        tx.commit();
    }
    // Reset rows changed under the cache's feet: drop their entries (Redis may be down: fail open).
    try {
        auto redis = m_service.redisPool().acquire();
        for (std::size_t i = 0; i < resetSkus.size(); i += 500) {
            std::vector<std::string> del{"DEL"};
            for (std::size_t j = i; j < std::min(resetSkus.size(), i + 500); ++j)
                del.push_back(StockCache::key(resetSkus[j], m_service.cache().prefix()));
            redis->command(del);
        }
    } catch (const CacheError &) {
    }
    return result;
}

} // namespace inv
