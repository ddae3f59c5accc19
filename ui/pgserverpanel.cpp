#include "pgserverpanel.h"

#include "pgsessionsmodel.h"
#include "serverchart.h"
#include "serverpanelstyle.h"

#include <QLabel>
#include <QStringList>
#include <QTableView>

using namespace serverpanel;

namespace {
enum Figure
{
    Connections,
    Transactions,
    LockWaits,
    CacheHit,
    LongestTransaction,
    Deadlocks,
    FigureCount
};

QString elided(const std::string &text, int length = 70)
{
    const QString line = QString::fromStdString(text).simplified();
    return line.size() > length ? line.left(length - 1) + QChar(0x2026) : line;
}
} // namespace

PgServerPanel::PgServerPanel(QWidget *parent)
    : ServerPanel(tr("PostgreSQL"), QStringLiteral("pg"),
                  {tr("Connections"), tr("Transactions/s"), tr("Lock waits"), tr("Buffer cache hit"),
                   tr("Longest transaction"), tr("Deadlocks")},
                  parent),
      m_model(new PgSessionsModel(this)), m_table(new QTableView(this))
{
    using Point = inv::ServerHistoryPoint;
    using Range = ServerChart::YRange;
    std::vector<ServerChart *> charts = {
        new ServerChart(tr("Connections by state"), tr("Client backends by state, from pg_stat_activity"),
                        {{tr("active"), kBlue, [](const Point &p) { return p.active; }},
                         {tr("idle"), kGreen, [](const Point &p) { return p.idle; }},
                         {tr("idle in tx"), kOrange, [](const Point &p) { return p.idleInTransaction; }},
                         {tr("waiting"), kRed, [](const Point &p) { return p.waiting; }}},
                        Range::FromZero, true, this),
        new ServerChart(tr("Transactions/s"), tr("Commits and rollbacks per second, from pg_stat_database"),
                        {{tr("commits"), kBlue, [](const Point &p) { return p.commitsPerSecond; }},
                         {tr("rollbacks"), kRed, [](const Point &p) { return p.rollbacksPerSecond; }}},
                        Range::FromZero, false, this),
        new ServerChart(
            tr("Lock waits"), tr("Backends waiting for a lock (pg_locks), and the longest wait"),
            {{tr("waiting backends"), kRed, [](const Point &p) { return p.lockWaiters; }},
             {tr("longest wait (s)"), kPurple, [](const Point &p) { return p.longestLockWaitSeconds; }}},
            Range::FromZero, false, this),
        new ServerChart(tr("Buffer cache hit %"),
                        tr("Block reads served from shared buffers, per second (pg_stat_database)"),
                        {{tr("hit %"), kGreen,
                          [](const Point &p) { return p.cacheHitRatio < 0 ? -1 : p.cacheHitRatio * 100; }}},
                        Range::Percent, false, this)};
    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("pgSessions"));
    build(std::move(charts), new QLabel(tr("Sessions (pg_stat_activity)"), this), m_table,
          {50, 95, 95, 80, 85, 60});
}

void PgServerPanel::show(const inv::PgServerStats &s, const std::vector<inv::ServerHistoryPoint> &history)
{
    for (auto *chart : charts())
        chart->setHistory(history);
    if (!s.available) {
        setStatus(m_status, false,
                  tr("PostgreSQL cannot be sampled: %1 — retrying every second.")
                      .arg(QString::fromStdString(s.error).left(300)));
        setNote(m_note, {});
        for (int f = 0; f < FigureCount; ++f)
            setFigure(f, QStringLiteral("–"));
        m_model->setSessions({});
        return;
    }
    setStatus(m_status, true,
              tr("PostgreSQL %1 · database %2 · role %3")
                  .arg(QString::fromStdString(s.serverVersion), QString::fromStdString(s.database),
                       QString::fromStdString(s.role)));
    QStringList notes;
    if (s.pooled)
        notes << tr("Connected through a pooler (PgBouncer, say): the sessions below are the pooler's "
                    "connections to PostgreSQL, not the console's clients, and a client waiting for a "
                    "free server connection shows nowhere here. The pooler's own SHOW POOLS (cl_waiting) "
                    "and SHOW CLIENTS show those.");
    if (!s.visibilityNote.empty())
        notes << QString::fromStdString(s.visibilityNote);
    setNote(m_note, notes.join(u' '));

    const int total = s.active + s.idle + s.idleInTransaction + s.waiting + s.other + s.hidden;
    QString connections = tr("%1 of %2 · %3 active · %4 idle · %5 idle in tx · %6 waiting")
                              .arg(total)
                              .arg(s.maxConnections)
                              .arg(s.active)
                              .arg(s.idle)
                              .arg(s.idleInTransaction)
                              .arg(s.waiting);
    if (s.hidden > 0)
        connections += tr(" · %1 hidden").arg(s.hidden);
    setFigure(Connections, connections,
              tr("Client backends on the whole server, the monitor's own left out"));
    setFigure(Transactions,
              tr("%1 commits · %2 rollbacks").arg(number(s.commitsPerSecond), number(s.rollbacksPerSecond)),
              tr("In database %1, from pg_stat_database").arg(QString::fromStdString(s.database)));

    if (s.lockWaits.empty()) {
        setFigure(LockWaits, tr("none"));
    } else {
        const inv::PgLockWait &w = s.lockWaits.front();
        QString relation = w.relation.empty()
                               ? tr("an unknown relation")
                               : QString::fromStdString(w.schema == "public" || w.schema.empty()
                                                            ? w.relation
                                                            : w.schema + "." + w.relation);
        QString what =
            tr("%n backend(s) · longest %1 s: pid %2 on %3", nullptr, static_cast<int>(s.lockWaits.size()))
                .arg(number(w.waitSeconds))
                .arg(w.pid)
                .arg(relation);
        if (!w.sku.empty())
            what += tr(", SKU %1").arg(QString::fromStdString(w.sku));
        else if (w.relation == "inventory")
            what += s.skuUnreadable ? tr(", SKU unknown (the role may not read it)") : tr(", SKU unknown");
        what += tr(", blocked by %1").arg(QString::fromStdString(w.blockedBy));
        setFigure(LockWaits, what, QString::fromStdString(w.query));
    }
    setFigure(
        CacheHit, percent(s.cacheHitRatio),
        tr("%1 blocks from shared buffers, %2 read from disk or the OS cache since the statistics were reset")
            .arg(s.blocksHit)
            .arg(s.blocksRead));
    const inv::PgSession &t = s.longestTransaction;
    if (t.pid == 0)
        setFigure(LongestTransaction, tr("none open"));
    else
        setFigure(LongestTransaction,
                  tr("pid %1 · %2 · %3 · %4")
                      .arg(t.pid)
                      .arg(PgSessionsModel::age(t.xactAgeSeconds), QString::fromStdString(t.state),
                           elided(t.query, 50)),
                  QString::fromStdString(t.query));
    setFigure(Deadlocks, QLocale().toString(s.deadlocks),
              tr("Deadlocks detected in database %1 since the statistics were reset")
                  .arg(QString::fromStdString(s.database)));
    m_model->setSessions(s.sessions);
}
