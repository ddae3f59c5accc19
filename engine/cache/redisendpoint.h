// Where and how every Redis connection of the engine is made, blocking (RedisConnection, and through
// it the pool, the lock, the invalidation listener's subscriber and tracker, the command line's
// single commands) or asynchronous (AsyncRedis on an event loop): the address, the transport and the
// handshake that follows (AUTH, with the ACL user when the URL names one, then SELECT, then a check of
// the server's role or Cluster mode). The transport (TCP, or TLS for rediss://) is RedisStream's, the
// one both kinds of connection use; where to connect (a Sentinel's master) and the handshake are here.
// One place, so that a router is added once, for every path. Any thread.
#pragma once

#include "cache/redisurl.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <vector>

namespace inv {

namespace RedisEndpoint {
// The address to connect to: `url` itself, or for redis+sentinel:// the master's, asked of each
// Sentinel in turn (a blocking query, at most kSentinelWait each). The result keeps the master's
// name (masterName), so that handshake() checks its role. Throws CacheIoError naming each
// Sentinel's answer when none gives the address.
RedisUrl resolve(const RedisUrl &url);
inline constexpr std::chrono::milliseconds kSentinelWait{250};
// The commands that follow the connect, in order: AUTH, SELECT, then a check: ROLE for a master found
// through Sentinels (a Sentinel may still name a master that a failover has just demoted), INFO
// cluster for any other server (a Cluster node holds only its own slots' keys).
std::vector<std::vector<std::string>> handshake(const RedisUrl &url);
// Whether a handshake step is a check (its error reply, NOPERM say, leaves it undone) rather than a
// step that must succeed (AUTH, SELECT).
bool isCheck(const std::vector<std::string> &step);
// Whether a handshake step's reply lets the connection be used; the words why not, otherwise.
std::string refusedStep(const RedisUrl &url, const std::vector<std::string> &step, const redisReply *reply);
} // namespace RedisEndpoint

} // namespace inv
