#include "cache/redisendpoint.h"

#include "cache/redisconnection.h"
#include "errors.h"

#include <cstring>
#include <string_view>

namespace inv {

RedisUrl RedisEndpoint::resolve(const RedisUrl &url)
{
    if (!url.viaSentinel)
        return url;
    std::string answers;
    for (const auto &[host, port] : url.sentinels) {
        RedisUrl sentinel = url;
        sentinel.viaSentinel = false;
        sentinel.sentinels.clear();
        sentinel.masterName.clear();
        sentinel.host = host;
        sentinel.port = port;
        sentinel.user.clear();
        sentinel.password = url.sentinelPassword;
        sentinel.db = 0;
        const std::string where = host + ":" + std::to_string(port);
        try {
            RedisConnection asked(sentinel, RedisTimeouts{kSentinelWait, kSentinelWait});
            const RedisReply reply = asked.command({"SENTINEL", "get-master-addr-by-name", url.masterName});
            if (reply.get() && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
                reply->element[0]->type == REDIS_REPLY_STRING &&
                reply->element[1]->type == REDIS_REPLY_STRING) {
                RedisUrl master = url;
                master.viaSentinel = false;
                master.sentinels.clear();
                master.host.assign(reply->element[0]->str, reply->element[0]->len);
                master.port = std::atoi(std::string(reply->element[1]->str, reply->element[1]->len).c_str());
                return master;
            }
            answers += "; the Sentinel at " + where + " knows no master named '" + url.masterName + "'";
        } catch (const CacheError &e) {
            answers += "; the Sentinel at " + where + ": " + e.what();
        }
    }
    throw CacheIoError(
        "no Sentinel of " + url.display() + " gave the address of the master '" + url.masterName + "'" +
        answers +
        " (check the Sentinels' addresses and the master's name, as 'redis-cli -p 26379 SENTINEL "
        "masters' lists it)");
}

bool RedisEndpoint::isCheck(const std::vector<std::string> &step)
{
    return step.front() == "ROLE" || step.front() == "INFO";
}

std::string RedisEndpoint::refusedStep(const RedisUrl &url, const std::vector<std::string> &step,
                                       const redisReply *reply)
{
    // An error (NOPERM for a user without +info or +role) leaves the check undone, not failed.
    if (!isCheck(step) || !reply || reply->type == REDIS_REPLY_ERROR)
        return {};
    if (step.front() == "INFO") {
        const bool cluster =
            reply->type == REDIS_REPLY_STRING &&
            std::string_view(reply->str, reply->len).find("cluster_enabled:1") != std::string_view::npos;
        if (!cluster)
            return {};
        return "Redis at " + url.display() +
               " is not used: it is a node of a Redis Cluster (cluster_enabled:1), which the console "
               "does not route across, and a product's keys may live on another node. Give a standalone "
               "Redis, or Sentinels as redis+sentinel://HOST:26379/MASTER; the console serves from "
               "PostgreSQL meanwhile.";
    }
    const bool master = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
                        reply->element[0]->type == REDIS_REPLY_STRING && reply->element[0]->len == 6 &&
                        std::memcmp(reply->element[0]->str, "master", 6) == 0;
    if (master)
        return {};
    return "Redis at " + url.display() + ", which the Sentinels name as the master '" + url.masterName +
           "', is not a master (ROLE): a failover is under way; the next connection asks the Sentinels again";
}

std::vector<std::vector<std::string>> RedisEndpoint::handshake(const RedisUrl &url)
{
    std::vector<std::vector<std::string>> commands;
    if (!url.password.empty())
        commands.push_back(url.user.empty() ? std::vector<std::string>{"AUTH", url.password}
                                            : std::vector<std::string>{"AUTH", url.user, url.password});
    if (url.db != 0)
        commands.push_back({"SELECT", std::to_string(url.db)});
    // A Sentinel's master is checked for its role; any other server for Cluster mode, whose nodes
    // hold only their own slots' keys.
    if (!url.masterName.empty())
        commands.push_back({"ROLE"});
    else
        commands.push_back({"INFO", "cluster"});
    return commands;
}

} // namespace inv
