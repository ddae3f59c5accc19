// The end-of-run books of a run over load agents, from the database and the cache alone: the run's
// products, every audit row of the run (a lost agent's too), each product's chain of versions, units
// oversold, and the cache compared with each row. Set-based: one query for any number of products.
// Calling thread only.
#pragma once

#include "cache/redisconnection.h"
#include "db/pgconnection.h"

#include <optional>
#include <string>
#include <vector>

namespace inv {

struct AgentBooks
{
    long long initialStock = 0;
    long long finalStock = 0;
    long long auditRows = 0;
    long long purchased = 0;
    long long restocked = 0;
    long long oversold = 0;
    long long brokenLinks = 0;
    // Unknown when the cache could not be read.
    std::optional<long long> divergentKeys;
    std::optional<long long> cachedStock;

    // `db` reaches the run's schema; every product started with `stockEach` units at version 1.
    static AgentBooks check(PgConnection &db, RedisConnection &redis, const std::string &keyPrefix,
                            const std::vector<std::string> &skus, long long stockEach);
    // initial - purchased + restocked = final, and no broken link.
    bool balances() const { return initialStock - purchased + restocked == finalStock && brokenLinks == 0; }
};

} // namespace inv
