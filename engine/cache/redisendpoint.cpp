#include "cache/redisendpoint.h"

#include <sys/time.h>

namespace inv {

namespace {
timeval toTimeval(std::chrono::milliseconds ms)
{
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}
} // namespace

std::vector<std::vector<std::string>> RedisEndpoint::handshake(const RedisUrl &url)
{
    std::vector<std::vector<std::string>> commands;
    if (!url.password.empty())
        commands.push_back(url.user.empty() ? std::vector<std::string>{"AUTH", url.password}
                                            : std::vector<std::string>{"AUTH", url.user, url.password});
    if (url.db != 0)
        commands.push_back({"SELECT", std::to_string(url.db)});
    return commands;
}

redisContext *RedisEndpoint::connect(const RedisUrl &url, std::chrono::milliseconds connectTimeout,
                                     std::chrono::milliseconds commandTimeout)
{
    redisContext *context = redisConnectWithTimeout(url.host.c_str(), url.port, toTimeval(connectTimeout));
    if (context && !context->err) {
        redisSetTimeout(context, toTimeval(commandTimeout));
        redisEnableKeepAlive(context);
    }
    return context;
}

redisAsyncContext *RedisEndpoint::connectAsync(const RedisUrl &url)
{
    return redisAsyncConnect(url.host.c_str(), url.port);
}

} // namespace inv
