// One product as the console shows it: the database's row and the cache's entry side by side.
// Plain values passed from the engine worker to the GUI thread by queued signals.
#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

struct InventoryRow
{
    QString sku;
    QString name;
    int dbStock = 0;
    qint64 dbVersion = 0;
    bool cached = false;
    int cacheStock = 0;
    qint64 cacheVersion = 0;
    qint64 ttlMs = -2;
    QString updatedAt;

    enum class CacheState
    {
        Fresh,
        Stale,
        Missing,
        Expiring,
        Unknown
    };
    CacheState cacheState(qint64 ttlConfiguredMs, bool redisUp) const
    {
        if (!redisUp)
            return CacheState::Unknown;
        if (!cached)
            return CacheState::Missing;
        // The rule the CLI uses: stale only if the cache is behind the database. The database row
        // is read just before the cache, so a cache that is ahead saw a write made in between.
        if (cacheVersion < dbVersion || (cacheVersion == dbVersion && cacheStock != dbStock))
            return CacheState::Stale;
        if (ttlMs >= 0 && ttlMs < ttlConfiguredMs / 10)
            return CacheState::Expiring;
        return CacheState::Fresh;
    }
    bool operator==(const InventoryRow &) const = default;
};

struct InventorySnapshot
{
    QList<InventoryRow> rows;
    qint64 totalMatching = 0;
    bool redisUp = true;
    // Why the cache could not be read, when !redisUp: Redis unreachable or refusing (NOAUTH…).
    QString redisError;
    QString error;
};

struct ActionOutcome
{
    enum class Kind
    {
        Ok,
        Refused,
        Invalid,
        ServiceDown,
        // The product changed since the version the operator saw; nothing was written. stock and
        // version are the product's current ones.
        Conflict
    };
    Kind kind = Kind::Ok;
    QString sku;
    QString message;
    int stockBefore = 0;
    int stock = 0;
    qint64 version = 0;
    qint64 auditId = 0;
    double latencyMs = 0;
};

struct HealthState
{
    bool pgUp = false;
    double pgMs = 0;
    QString pgVersion;
    QString pgError;
    // The server runs without fsync or synchronous commit (a sandbox started --fast-unsafe, say).
    bool pgNotDurable = false;
    bool redisUp = false;
    double redisMs = 0;
    QString redisVersion;
    QString redisError;
};

// The code of a Redis refusal in an engine error ("NOAUTH", "NOPERM"…), or empty when the error is
// not one (Redis unreachable, say).
inline QString redisRefusalCode(const QString &error)
{
    const QLatin1String marker(" refused the command: ");
    const qsizetype at = error.indexOf(marker);
    return at < 0 ? QString() : error.mid(at + marker.size()).section(QLatin1Char(' '), 0, 0);
}

Q_DECLARE_METATYPE(InventorySnapshot)
Q_DECLARE_METATYPE(ActionOutcome)
Q_DECLARE_METATYPE(HealthState)
