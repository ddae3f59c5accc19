#include "redisserverpanel.h"

#include "redisslowlogmodel.h"
#include "serverchart.h"
#include "serverpanelstyle.h"

#include <QLabel>
#include <QTableView>

using namespace serverpanel;

namespace {
enum Figure
{
    Operations,
    Keyspace,
    Memory,
    Keys,
    Clients,
    FigureCount
};

QString uptime(long long seconds)
{
    if (seconds < 3600)
        return QObject::tr("%1 min").arg(seconds / 60);
    if (seconds < 2 * 86400)
        return QObject::tr("%1 h").arg(seconds / 3600);
    return QObject::tr("%1 days").arg(seconds / 86400);
}
} // namespace

RedisServerPanel::RedisServerPanel(QWidget *parent)
    : ServerPanel(tr("Redis"), QStringLiteral("redis"),
                  {tr("Operations/s"), tr("Keyspace"), tr("Memory"), tr("Keys"), tr("Clients")}, parent),
      m_slowLogTitle(new QLabel(tr("Slow log (SLOWLOG GET 10)"), this)), m_model(new RedisSlowLogModel(this)),
      m_table(new QTableView(this))
{
    using Point = inv::ServerHistoryPoint;
    using Range = ServerChart::YRange;
    std::vector<ServerChart *> charts = {
        new ServerChart(tr("Operations/s"),
                        tr("Commands per second, the monitor's own left out (INFO stats)"),
                        {{tr("ops/s"), kBlue, [](const Point &p) { return p.opsPerSecond; }}},
                        Range::FromZero, false, this),
        new ServerChart(tr("Keyspace lookups/s"), tr("Keyspace hits and misses per second (INFO stats)"),
                        {{tr("hits"), kGreen, [](const Point &p) { return p.hitsPerSecond; }},
                         {tr("misses"), kRed, [](const Point &p) { return p.missesPerSecond; }}},
                        Range::FromZero, false, this),
        new ServerChart(tr("Hit ratio %"), tr("hits / (hits + misses) over each second"),
                        {{tr("hit %"), kGreen,
                          [](const Point &p) { return p.redisHitRatio < 0 ? -1 : p.redisHitRatio * 100; }}},
                        Range::Percent, false, this),
        new ServerChart(tr("Memory (MiB) and clients"), tr("used_memory and connected_clients (INFO)"),
                        {{tr("used MiB"), kPurple, [](const Point &p) { return p.usedMemoryMiB; }},
                         {tr("clients"), kOrange, [](const Point &p) { return p.connectedClients; }}},
                        Range::FromZero, false, this)};
    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("redisSlowLog"));
    build(std::move(charts), m_slowLogTitle, m_table, {40, 62, 70, 0, 150});
}

void RedisServerPanel::show(const inv::RedisServerStats &s,
                            const std::vector<inv::ServerHistoryPoint> &history)
{
    for (auto *chart : charts())
        chart->setHistory(history);
    if (!s.available) {
        setStatus(m_status, false,
                  tr("Redis cannot be sampled: %1 — retrying every second.")
                      .arg(QString::fromStdString(s.error).left(300)));
        setNote(m_note, {});
        for (int f = 0; f < FigureCount; ++f)
            setFigure(f, QStringLiteral("–"));
        m_model->setEntries({});
        return;
    }
    setStatus(m_status, true,
              tr("Redis %1 · up %2").arg(QString::fromStdString(s.version), uptime(s.uptimeSeconds)));
    setNote(m_note, s.slowLogError.empty()
                        ? QString()
                        : tr("The slow log cannot be read: %1. Allow SLOWLOG and CONFIG GET for this user.")
                              .arg(QString::fromStdString(s.slowLogError)));
    setFigure(
        Operations,
        tr("%1 (Redis' own estimate %2)").arg(number(s.opsPerSecond), QLocale().toString(s.instantaneousOps)),
        tr("From the growth of total_commands_processed, the monitor's own commands left out"));
    setFigure(Keyspace,
              tr("%1 hits/s · %2 misses/s · hit ratio %3")
                  .arg(number(s.hitsPerSecond), number(s.missesPerSecond), percent(s.hitRatio)),
              tr("%1 hits and %2 misses since the server started")
                  .arg(QLocale().toString(s.keyspaceHits), QLocale().toString(s.keyspaceMisses)));
    setFigure(Memory, tr("%1 used · peak %2 · limit %3")
                          .arg(bytes(s.usedMemory), bytes(s.usedMemoryPeak),
                               s.maxMemory > 0 ? bytes(s.maxMemory) : tr("none")));
    setFigure(Keys, tr("%1 · evicted %2 (%3/s) · expired %4 (%5/s)")
                        .arg(QLocale().toString(s.keys), QLocale().toString(s.evictedKeys),
                             number(s.evictedPerSecond), QLocale().toString(s.expiredKeys),
                             number(s.expiredPerSecond)));
    setFigure(Clients, tr("%1 connected · %2 blocked").arg(s.connectedClients).arg(s.blockedClients));
    m_slowLogTitle->setText(
        s.slowLogThresholdMicros >= 0
            ? tr("Slow log (SLOWLOG GET 10; commands slower than %1 ms)")
                  .arg(QLocale().toString(static_cast<double>(s.slowLogThresholdMicros) / 1000.0))
            : tr("Slow log (SLOWLOG GET 10)"));
    m_model->setEntries(s.slowLog);
}
