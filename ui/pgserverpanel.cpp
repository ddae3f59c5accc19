#include "pgserverpanel.h"

#include "pgsessionsmodel.h"
#include "serverchart.h"
#include "serverpanelstyle.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

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
    : QGroupBox(tr("PostgreSQL"), parent), m_status(new QLabel(tr("connecting…"), this)),
      m_note(new QLabel(this)), m_model(new PgSessionsModel(this)), m_table(new QTableView(this))
{
    m_status->setObjectName(QStringLiteral("pgStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setObjectName(QStringLiteral("pgNote"));
    styleNote(m_note);

    auto *figures = new QFormLayout;
    figures->setHorizontalSpacing(10);
    figures->setVerticalSpacing(2);
    const QString names[FigureCount] = {tr("Connections"),      tr("Transactions/s"),      tr("Lock waits"),
                                        tr("Buffer cache hit"), tr("Longest transaction"), tr("Deadlocks")};
    for (const QString &name : names) {
        auto *label = new QLabel(name + QLatin1Char(':'), this);
        auto *value = new QLabel(QStringLiteral("–"), this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setMinimumWidth(50);
        m_names.push_back(label);
        m_figures.push_back(value);
        figures->addRow(label, value);
    }

    using Point = inv::ServerHistoryPoint;
    using Range = ServerChart::YRange;
    m_charts = {
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
    auto *charts = new QGridLayout;
    charts->setSpacing(4);
    for (std::size_t i = 0; i < m_charts.size(); ++i)
        charts->addWidget(m_charts[i], static_cast<int>(i / 2), static_cast<int>(i % 2));

    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("pgSessions"));
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 4);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    const int widths[] = {50, 95, 95, 80, 85, 60};
    for (int c = 0; c < PgSessionsModel::Query; ++c)
        m_table->setColumnWidth(c, widths[c]);
    m_table->setMinimumHeight(110);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(4);
    layout->addWidget(m_status);
    layout->addWidget(m_note);
    layout->addLayout(figures);
    layout->addLayout(charts, 3);
    layout->addWidget(new QLabel(tr("Sessions (pg_stat_activity)"), this));
    layout->addWidget(m_table, 2);
}

void PgServerPanel::setFigure(int row, const QString &text, const QString &tip)
{
    m_figures[static_cast<std::size_t>(row)]->setText(text);
    m_figures[static_cast<std::size_t>(row)]->setToolTip(tip);
}

QString PgServerPanel::figure(const QString &name) const
{
    for (std::size_t i = 0; i < m_names.size(); ++i)
        if (m_names[i]->text() == name + QLatin1Char(':'))
            return m_figures[i]->text();
    return {};
}

void PgServerPanel::show(const inv::PgServerStats &s, const std::vector<inv::ServerHistoryPoint> &history)
{
    for (auto *chart : m_charts)
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
    setNote(m_note, QString::fromStdString(s.visibilityNote));

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
