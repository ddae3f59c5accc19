// A parsed redis://[user:password@]host:port[/db] URL, or rediss://… for TLS with optional
// ?cacert=FILE&cert=FILE&key=FILE&sni=NAME, or redis+sentinel://[user:password@]host:port[,host:port…]
// /MASTER[/db][?sentinel_password=PASSWORD] (rediss+sentinel:// with TLS to the Sentinels and the
// master alike): the master is asked of the Sentinels on every connect. Pure value type; any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace inv {

struct RedisUrl
{
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string user;
    std::string password;
    int db = 0;
    // rediss://: TLS, verifying the server's certificate against the system's trust store, or against
    // caFile when given; certFile and keyFile are the client's (mutual TLS); serverName, when given,
    // is the name sent (SNI) and looked for in the certificate instead of the host.
    bool tls = false;
    std::string caFile;
    std::string certFile;
    std::string keyFile;
    std::string serverName;
    // redis+sentinel://: the Sentinels to ask, in order, for the address of the master masterName;
    // host and port are the first Sentinel's until a connection resolves the master. The user and
    // password are the master's; sentinelPassword, when given, is the Sentinels' own.
    bool viaSentinel = false;
    std::vector<std::pair<std::string, int>> sentinels;
    std::string masterName;
    std::string sentinelPassword;

    // Throws InvalidInput naming the part that is wrong.
    static RedisUrl parse(const std::string &url);
    // The URL again, with the password masked, for messages and the status bar.
    std::string display() const;
    // The name the server's certificate must hold: serverName, or else the host.
    const std::string &verifiedName() const { return serverName.empty() ? host : serverName; }
};

} // namespace inv
