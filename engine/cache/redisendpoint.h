// Where and how every Redis connection of the engine is made, blocking (RedisConnection, and through
// it the pool, the lock, the invalidation listener's subscriber and tracker, the command line's
// single commands) or asynchronous (AsyncRedis on an event loop): the address, the transport and the
// handshake that follows (AUTH, with the ACL user when the URL names one, then SELECT). One place,
// so that a transport (TLS) and a router (a Sentinel's master, a cluster slot's node) are added
// once, for every path. Pure functions; any thread.
#pragma once

#include "cache/redisurl.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <vector>

namespace inv {

namespace RedisEndpoint {
// The commands that follow the connect, in order; empty when the URL asks for neither.
std::vector<std::vector<std::string>> handshake(const RedisUrl &url);
// A blocking connection, within `connectTimeout`, with `commandTimeout` on every command and TCP
// keep-alive on. The caller owns it and checks `err` (nullptr only when out of memory); the
// handshake is the caller's to send.
redisContext *connect(const RedisUrl &url, std::chrono::milliseconds connectTimeout,
                      std::chrono::milliseconds commandTimeout);
// An asynchronous connection, not yet attached to a loop; the same ownership and checks.
redisAsyncContext *connectAsync(const RedisUrl &url);
} // namespace RedisEndpoint

} // namespace inv
