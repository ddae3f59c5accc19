#include "agentstatusmodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>

AgentStatusModel::AgentStatusModel(QObject *parent) : QAbstractTableModel(parent) {}

int AgentStatusModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int AgentStatusModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AgentStatusModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Name:
            return tr("Agent");
        case Host:
            return tr("Host");
        case State:
            return tr("State");
        case Heartbeat:
            return tr("Heartbeat");
        case Version:
            return tr("Version");
        case Cores:
            return tr("Cores");
        case Servers:
            return tr("Servers");
        case Requests:
            return tr("Requests");
        case Throughput:
            return tr("Throughput");
        case Outcome:
            return tr("Run");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case State:
            return tr("What the agent says it is doing; lost when its heartbeat has expired");
        case Heartbeat:
            return tr(
                "How long ago the agent last renewed its registration (every second; it expires after 3 s)");
        case Servers:
            return tr("The app servers of the run this agent runs: its share");
        case Requests:
            return tr("Requests the agent has answered in the run so far");
        case Throughput:
            return tr("Requests per second in the latest merged 250 ms window");
        case Outcome:
            return tr(
                "The agent's part of the run: starting, running, finished, failed, lost or never-started");
        }
    }
    if (role == Qt::TextAlignmentRole && section >= Heartbeat && section != Outcome && section != Version)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QString AgentStatusModel::state(int row) const
{
    if (row < 0 || row >= static_cast<int>(m_rows.size()))
        return {};
    return stateOf(m_rows[static_cast<std::size_t>(row)]);
}

QString AgentStatusModel::stateOf(const Row &r)
{
    if (!r.registered)
        return r.outcome;
    if (r.info.heartbeatAgeMs < 0)
        return r.info.state == "stopped" ? QStringLiteral("stopped") : QStringLiteral("lost");
    return QString::fromStdString(r.info.state);
}

int AgentStatusModel::aliveCount() const
{
    return static_cast<int>(std::count_if(m_rows.begin(), m_rows.end(), [](const Row &r) {
        return r.registered && r.info.heartbeatAgeMs >= 0 && r.info.state != "stopping";
    }));
}

int AgentStatusModel::rowOf(const QString &name) const
{
    const auto it = std::find_if(m_rows.begin(), m_rows.end(), [&](const Row &r) { return r.name == name; });
    return it == m_rows.end() ? -1 : static_cast<int>(it - m_rows.begin());
}

QVariant AgentStatusModel::display(const Row &row, int column)
{
    const QLocale locale;
    switch (column) {
    case Name:
        return row.name;
    case Host:
        return QString::fromStdString(row.info.host);
    case State:
        return stateOf(row);
    case Heartbeat:
        if (!row.registered)
            return QString();
        return row.info.heartbeatAgeMs < 0 ? tr("expired")
                                           : tr("%1 s ago").arg(row.info.heartbeatAgeMs / 1000.0, 0, 'f', 1);
    case Version:
        return QString::fromStdString(row.info.version);
    case Cores:
        return row.info.cores > 0 ? QString::number(row.info.cores) : QString();
    case Servers:
        return row.inRun ? QString::number(row.servers) : QString();
    case Requests:
        return row.inRun ? locale.toString(row.requests) : QString();
    case Throughput:
        return row.inRun && row.rps >= 0 ? tr("%1 req/s").arg(locale.toString(row.rps, 'f', 0)) : QString();
    case Outcome:
        return row.outcome;
    }
    return {};
}

QVariant AgentStatusModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row &row = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Outcome && !row.message.isEmpty())
            return row.message;
        if (index.column() == Host && row.info.pid > 0)
            return tr("%1, process %2, database %3")
                .arg(QString::fromStdString(row.info.host))
                .arg(row.info.pid)
                .arg(QString::fromStdString(row.info.database));
        return {};
    case Qt::ForegroundRole: {
        const QString text = index.column() == State || index.column() == Outcome
                                 ? display(row, index.column()).toString()
                                 : QString();
        if (text == QLatin1String("lost") || text == QLatin1String("failed") ||
            text == QLatin1String("never-started"))
            return QBrush(QColor(220, 50, 47));
        if (text == QLatin1String("running"))
            return QBrush(QColor(42, 161, 90));
        return {};
    }
    case Qt::TextAlignmentRole:
        return headerData(index.column(), Qt::Horizontal, role);
    }
    return {};
}

void AgentStatusModel::setRegistry(const std::vector<inv::AgentInfo> &agents)
{
    std::vector<Row> next;
    for (const auto &info : agents) {
        Row row;
        row.name = QString::fromStdString(info.name);
        const int at = rowOf(row.name);
        // An agent that stopped cleanly is of no more interest once its run's figures are gone.
        if (info.heartbeatAgeMs < 0 && info.state == "stopped" &&
            (at < 0 || !m_rows[static_cast<std::size_t>(at)].inRun))
            continue;
        if (at >= 0)
            row = m_rows[static_cast<std::size_t>(at)];
        row.registered = true;
        row.info = info;
        next.push_back(std::move(row));
    }
    // An agent of the run that has left the registry keeps its row while the run's figures last.
    for (const Row &row : m_rows)
        if (row.inRun && std::none_of(agents.begin(), agents.end(), [&](const inv::AgentInfo &a) {
                return row.name.toStdString() == a.name;
            })) {
            next.push_back(row);
            next.back().registered = false;
        }
    apply(std::move(next));
}

void AgentStatusModel::setRun(const inv::AgentsSnapshot &snapshot)
{
    std::vector<Row> next = m_rows;
    for (const auto &outcome : snapshot.agents) {
        const QString name = QString::fromStdString(outcome.name);
        auto it = std::find_if(next.begin(), next.end(), [&](const Row &r) { return r.name == name; });
        if (it == next.end()) {
            Row row;
            row.name = name;
            row.info.host = outcome.host;
            next.push_back(row);
            it = next.end() - 1;
        }
        it->inRun = true;
        it->servers = outcome.servers;
        it->requests = outcome.requests;
        it->outcome = QString::fromStdString(outcome.state);
        it->message = QString::fromStdString(outcome.message);
        const auto line = snapshot.perAgent.find(outcome.name);
        it->rps = line != snapshot.perAgent.end() && !line->second.empty() ? line->second.back().rps : -1;
    }
    apply(std::move(next));
}

void AgentStatusModel::clearRun()
{
    std::vector<Row> next;
    for (Row row : m_rows) {
        if (!row.registered)
            continue;
        row.inRun = false;
        row.servers = 0;
        row.requests = 0;
        row.rps = -1;
        row.outcome.clear();
        row.message.clear();
        next.push_back(std::move(row));
    }
    apply(std::move(next));
}

void AgentStatusModel::apply(std::vector<Row> next)
{
    // The agents alive first, then those lost, then those stopped: the registry keeps every name.
    const auto rank = [](const Row &r) {
        const QString s = stateOf(r);
        return s == QLatin1String("stopped") ? 2 : s == QLatin1String("lost") ? 1 : 0;
    };
    std::sort(next.begin(), next.end(), [&](const Row &a, const Row &b) {
        return std::pair(rank(a), a.name) < std::pair(rank(b), b.name);
    });
    const bool sameNames = next.size() == m_rows.size() &&
                           std::equal(next.begin(), next.end(), m_rows.begin(),
                                      [](const Row &a, const Row &b) { return a.name == b.name; });
    if (!sameNames) {
        beginResetModel();
        m_rows = std::move(next);
        endResetModel();
        return;
    }
    for (std::size_t r = 0; r < next.size(); ++r) {
        std::vector<QVariant> before;
        for (int c = 0; c < ColumnCount; ++c)
            before.push_back(display(m_rows[r], c));
        const QString tipBefore = m_rows[r].message;
        m_rows[r] = std::move(next[r]);
        for (int c = 0; c < ColumnCount; ++c) {
            const bool tipChanged = c == Outcome && tipBefore != m_rows[r].message;
            if (before[static_cast<std::size_t>(c)] != display(m_rows[r], c) || tipChanged) {
                const QModelIndex cell = index(static_cast<int>(r), c);
                emit dataChanged(cell, cell, {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole});
            }
        }
    }
}
