// A parsed redis://[user:password@]host:port[/db] URL. Pure value type; any thread.
#pragma once

#include <string>

namespace inv {

struct RedisUrl
{
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string user;
    std::string password;
    int db = 0;

    // Throws InvalidInput naming the part that is wrong.
    static RedisUrl parse(const std::string &url);
    // The URL again, with the password masked, for messages and the status bar.
    std::string display() const;
};

} // namespace inv
