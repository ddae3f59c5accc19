#include "connectionresolver.h"

#include "cache/redisurl.h"
#include "db/pgconnection.h"
#include "sandbox/sandbox.h"

#include <QSettings>

#include <cstdlib>
#include <optional>

namespace {
std::optional<std::string> fromEnvironment(const char *name)
{
    const char *value = std::getenv(name);
    if (value && *value)
        return std::string(value);
    return std::nullopt;
}

std::optional<std::string> fromSettings(const char *key)
{
    QSettings settings(QStringLiteral("inventory-console"), QStringLiteral("inventory-console"));
    const QString value = settings.value(QLatin1StringView(key)).toString();
    if (value.isEmpty())
        return std::nullopt;
    return value.toStdString();
}
} // namespace

ResolvedConnections ConnectionResolver::resolve(const CommandLine &args, const Progress &progress)
{
    ResolvedConnections out;
    auto pick = [&](const char *flag, const char *env, const char *key, std::string &value,
                    std::string &origin) {
        if (auto v = args.option(flag)) {
            value = *v;
            origin = std::string("--") + flag;
        } else if (auto e = fromEnvironment(env)) {
            value = *e;
            origin = env;
        } else if (auto s = fromSettings(key)) {
            value = *s;
            origin = "saved settings";
        }
    };
    pick("pg", "INVENTORY_PG_URL", "connection/pg", out.pg, out.pgOrigin);
    pick("redis", "INVENTORY_REDIS_URL", "connection/redis", out.redis, out.redisOrigin);
    // Saved settings keep no password: a saved URL of the sandbox's Redis gets the sandbox's back.
    if (out.redisOrigin == "saved settings")
        out.redis = inv::Sandbox(inv::Sandbox::defaultDir()).withRedisPassword(out.redis);
    if (out.pg.empty() || out.redis.empty()) {
        inv::Sandbox sandbox(inv::Sandbox::defaultDir());
        inv::SandboxStatus status = sandbox.status();
        if (!status.pgRunning || !status.redisRunning) {
            if (progress)
                progress("no connection configured: starting the local sandbox in " + status.dir);
            status = sandbox.start(progress);
        }
        if (out.pg.empty()) {
            out.pg = status.pgUrl;
            out.pgOrigin = "sandbox";
        }
        if (out.redis.empty()) {
            out.redis = status.redisUrl;
            out.redisOrigin = "sandbox";
        }
    }
    inv::PgConnection::validateConninfo(out.pg);
    inv::RedisUrl::parse(out.redis);
    return out;
}
