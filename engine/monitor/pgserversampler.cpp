#include "monitor/pgserversampler.h"

#include "db/pgconnection.h"
#include "errors.h"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace inv {

namespace {
constexpr const char *kConnectTimeoutSeconds = "3";
constexpr const char *kStatementTimeoutMs = "2000";
constexpr std::size_t kMaxSkuLookups = 5;

double number(const PgResult &r, int row, int column, double fallback = -1)
{
    return r.isNull(row, column) ? fallback : std::strtod(r.text(row, column).c_str(), nullptr);
}

std::string text(const PgResult &r, int row, int column)
{
    return r.isNull(row, column) ? std::string() : r.text(row, column);
}

bool isUri(const std::string &conninfo)
{
    return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

std::string quotedIdentifier(const std::string &name)
{
    std::string out = "\"";
    for (char c : name)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Every client backend but the monitor's own. Another role's session, seen without
// pg_read_all_stats, has no backend_type; its database and user still tell it from a background worker.
const char *const kSessionsSql =
    "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.datname, ''), "
    "coalesce(a.state, ''), coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''), "
    "extract(epoch FROM clock_timestamp() - a.xact_start)::float8, "
    "extract(epoch FROM clock_timestamp() - a.query_start)::float8, coalesce(a.query, ''), "
    "a.backend_type IS NULL "
    "FROM pg_stat_activity a "
    "WHERE a.pid <> pg_backend_pid() AND (a.backend_type = 'client backend' "
    "OR (a.backend_type IS NULL AND a.datname IS NOT NULL AND a.usename IS NOT NULL)) "
    "ORDER BY a.xact_start NULLS LAST, a.pid LIMIT 500";

// pg_locks and pg_blocking_pids are open to every role. A backend blocked on a row holds (or waits
// for) the row's tuple lock, which names the relation and the row's ctid; otherwise the relation
// lock it waits for, else the first table it holds a lock on, names the relation.
const char *const kLockWaitsSql =
    "WITH waiting AS (SELECT pid, min(waitstart) AS since FROM pg_locks "
    "  WHERE NOT granted AND pid <> pg_backend_pid() GROUP BY pid) "
    "SELECT w.pid, coalesce(extract(epoch FROM clock_timestamp() - w.since)::float8, 0), "
    "pg_blocking_pids(w.pid)::text, coalesce(a.query, ''), t.nspname, t.relname, "
    "CASE WHEN t.locktype = 'tuple' THEN format('(%s,%s)', t.page, t.tuple) END "
    "FROM waiting w LEFT JOIN pg_stat_activity a ON a.pid = w.pid "
    "LEFT JOIN LATERAL (SELECT n.nspname, c.relname, l.locktype, l.page, l.tuple FROM pg_locks l "
    "  JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
    "  WHERE l.pid = w.pid AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "  AND c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "  ORDER BY l.locktype = 'tuple' DESC, l.granted, c.relname LIMIT 1) t ON true "
    "ORDER BY w.since NULLS LAST, w.pid";
} // namespace

PgServerSampler::PgServerSampler(std::string conninfo) : m_conninfo(monitorConninfo(conninfo)) {}

PgServerSampler::~PgServerSampler() = default;

std::string PgServerSampler::monitorConninfo(const std::string &conninfo)
{
    std::vector<std::pair<std::string, std::string>> extra;
    if (conninfo.find("connect_timeout") == std::string::npos && !std::getenv("PGCONNECT_TIMEOUT"))
        extra.emplace_back("connect_timeout", kConnectTimeoutSeconds);
    if (conninfo.find("application_name") == std::string::npos && !std::getenv("PGAPPNAME"))
        extra.emplace_back("application_name", kApplicationName);
    // A hung server then holds the monitor's thread for seconds, not the application's 20.
    if (conninfo.find("options") == std::string::npos && !std::getenv("PGOPTIONS"))
        extra.emplace_back("options", std::string("-c statement_timeout=") + kStatementTimeoutMs);
    std::string out = conninfo;
    const bool uri = isUri(conninfo);
    for (const auto &[key, value] : extra) {
        if (uri) {
            std::string encoded;
            for (char c : value)
                encoded += c == ' ' ? std::string("%20") : c == '=' ? std::string("%3D") : std::string(1, c);
            out += (out.find('?') == std::string::npos ? "?" : "&") + key + "=" + encoded;
        } else {
            out += " " + key + "='" + value + "'";
        }
    }
    return out;
}

PgServerStats PgServerSampler::sample()
{
    PgServerStats stats;
    try {
        if (!m_connection)
            m_connection = std::make_unique<PgConnection>(m_conninfo);
        read(stats);
        stats.available = true;
        stats.pooled = m_connection->pooled();
    } catch (const DbError &e) {
        if (m_connection)
            m_connection->rollback();
        if (e.isConnectionFailure())
            m_connection.reset();
        m_last.reset();
        stats = PgServerStats{};
        stats.error = e.what();
    } catch (const Error &e) {
        m_connection.reset();
        m_last.reset();
        stats = PgServerStats{};
        stats.error = e.what();
    }
    return stats;
}

void PgServerSampler::read(PgServerStats &stats)
{
    PgTransaction transaction(*m_connection);
    const PgResult r = m_connection->exec(
        "SELECT current_user, quote_ident(current_user), current_setting('server_version'), "
        "current_database(), pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), "
        "pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'), r.rolsuper, "
        "current_setting('max_connections')::int, d.xact_commit, d.xact_rollback, d.blks_hit, "
        "d.blks_read, d.deadlocks "
        "FROM pg_roles r, pg_stat_database d "
        "WHERE r.rolname = current_user AND d.datname = current_database()");
    if (r.rows() != 1)
        throw DbError("PostgreSQL's statistics do not list this database", "XX000");
    stats.role = r.text(0, 0);
    stats.serverVersion = r.text(0, 2);
    stats.database = r.text(0, 3);
    stats.fullVisibility = r.text(0, 4) == "t" || r.text(0, 6) == "t";
    stats.maxConnections = r.int32(0, 7);
    stats.commits = r.int64(0, 8);
    stats.rollbacks = r.int64(0, 9);
    stats.blocksHit = r.int64(0, 10);
    stats.blocksRead = r.int64(0, 11);
    stats.deadlocks = r.int64(0, 12);
    readSessions(stats);
    readLockWaits(stats);
    transaction.commit();
    computeRates(stats);

    if (!stats.fullVisibility) {
        const std::string role = r.text(0, 1);
        const std::string hidden =
            stats.hidden == 0 ? std::string("; other roles' sessions would show as hidden")
                              : "; " + std::to_string(stats.hidden) + " sessions of other roles are hidden";
        stats.visibilityNote =
            "Role " + stats.role + " sees the state, query and wait of its own sessions only" + hidden +
            ". To see every session, run as a superuser: GRANT pg_monitor TO " + role + ";";
        // A NOINHERIT role holds pg_monitor's privileges only with INHERIT.
        if (r.text(0, 5) == "t")
            stats.visibilityNote = "Role " + stats.role +
                                   " is a member of pg_monitor but does not inherit its privileges, so it "
                                   "sees its own sessions only. Run as a superuser: ALTER ROLE " +
                                   role + " INHERIT;";
    }
    for (const PgSession &session : stats.sessions)
        if (session.xactAgeSeconds > stats.longestTransaction.xactAgeSeconds)
            stats.longestTransaction = session;
    readSkus(stats);
}

void PgServerSampler::readSessions(PgServerStats &stats)
{
    const PgResult r = m_connection->exec(kSessionsSql);
    stats.sessions.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        PgSession s;
        s.pid = r.int32(i, 0);
        s.user = r.text(i, 1);
        s.application = r.text(i, 2);
        s.database = r.text(i, 3);
        s.state = r.text(i, 4);
        s.waitEventType = r.text(i, 5);
        s.waitEvent = r.text(i, 6);
        s.xactAgeSeconds = number(r, i, 7);
        s.queryAgeSeconds = number(r, i, 8);
        s.query = r.text(i, 9);
        s.hidden = r.text(i, 10) == "t";
        stats.sessions.push_back(std::move(s));
    }
}

void PgServerSampler::readLockWaits(PgServerStats &stats)
{
    const PgResult r = m_connection->exec(kLockWaitsSql);
    std::set<int> waiting;
    for (int i = 0; i < r.rows(); ++i) {
        PgLockWait w;
        w.pid = r.int32(i, 0);
        w.waitSeconds = number(r, i, 1, 0);
        w.blockedBy = text(r, i, 2);
        w.query = text(r, i, 3);
        w.schema = text(r, i, 4);
        w.relation = text(r, i, 5);
        w.tid = text(r, i, 6);
        waiting.insert(w.pid);
        stats.lockWaits.push_back(std::move(w));
    }
    std::stable_sort(stats.lockWaits.begin(), stats.lockWaits.end(),
                     [](const PgLockWait &a, const PgLockWait &b) { return a.waitSeconds > b.waitSeconds; });
    for (PgSession &s : stats.sessions) {
        s.waitingOnLock = waiting.count(s.pid) > 0;
        if (s.waitingOnLock)
            ++stats.waiting;
        else if (s.hidden)
            ++stats.hidden;
        else if (s.state == "active")
            ++stats.active;
        else if (s.state == "idle")
            ++stats.idle;
        else if (s.state.rfind("idle in transaction", 0) == 0)
            ++stats.idleInTransaction;
        else
            ++stats.other;
    }
}

void PgServerSampler::readSkus(PgServerStats &stats)
{
    // Best effort, outside the sample's transaction: the row the longest waits are for, read by
    // its ctid. Its old version stays visible while the holder's transaction is open.
    std::size_t lookups = 0;
    for (PgLockWait &w : stats.lockWaits) {
        if (!m_skuReadable) {
            stats.skuUnreadable = true;
            return;
        }
        if (w.relation != "inventory" || w.tid.empty() || lookups++ == kMaxSkuLookups)
            continue;
        try {
            const PgResult r = m_connection->exec(
                "SELECT sku FROM " + quotedIdentifier(w.schema) + ".inventory WHERE ctid = $1::tid", {w.tid});
            if (r.rows() > 0)
                w.sku = r.text(0, 0);
        } catch (const DbError &e) {
            if (e.isConnectionFailure())
                throw;
            // 42501: the monitor's role may not read the table; 42P01: it went away (a run's schema).
            if (e.sqlstate() == "42501")
                m_skuReadable = false;
        }
    }
}

void PgServerSampler::computeRates(PgServerStats &stats)
{
    const Counters now{stats.commits, stats.rollbacks, stats.blocksHit, stats.blocksRead,
                       std::chrono::steady_clock::now()};
    const long long total = now.blocksHit + now.blocksRead;
    if (total > 0)
        stats.cacheHitRatio = static_cast<double>(now.blocksHit) / static_cast<double>(total);
    if (m_last && now.commits >= m_last->commits && now.rollbacks >= m_last->rollbacks &&
        now.blocksHit >= m_last->blocksHit && now.blocksRead >= m_last->blocksRead) {
        const double seconds = std::chrono::duration<double>(now.at - m_last->at).count();
        if (seconds > 0) {
            stats.commitsPerSecond = static_cast<double>(now.commits - m_last->commits) / seconds;
            stats.rollbacksPerSecond = static_cast<double>(now.rollbacks - m_last->rollbacks) / seconds;
        }
        const long long hits = now.blocksHit - m_last->blocksHit;
        const long long window = hits + now.blocksRead - m_last->blocksRead;
        if (window > 0)
            stats.cacheHitRatio = static_cast<double>(hits) / static_cast<double>(window);
    }
    m_last = now;
}

} // namespace inv
