#include "pgsessionsmodel.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace {
bool samePids(const std::vector<inv::PgSession> &a, const std::vector<inv::PgSession> &b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].pid != b[i].pid)
            return false;
    return true;
}

QString oneLine(const std::string &query)
{
    return QString::fromStdString(query).simplified();
}
} // namespace

PgSessionsModel::PgSessionsModel(QObject *parent) : QAbstractTableModel(parent) {}

QString PgSessionsModel::age(double seconds)
{
    if (seconds < 0)
        return {};
    if (seconds < 10)
        return tr("%1 s").arg(seconds, 0, 'f', 2);
    if (seconds < 120)
        return tr("%1 s").arg(seconds, 0, 'f', 0);
    if (seconds < 7200)
        return tr("%1 min").arg(seconds / 60, 0, 'f', 0);
    return tr("%1 h").arg(seconds / 3600, 0, 'f', 1);
}

void PgSessionsModel::setSessions(std::vector<inv::PgSession> sessions)
{
    if (!samePids(m_sessions, sessions)) {
        beginResetModel();
        m_sessions = std::move(sessions);
        endResetModel();
        return;
    }
    // The same sessions in the same order: report only the cells that changed.
    std::vector<inv::PgSession> old = std::move(m_sessions);
    m_sessions = std::move(sessions);
    for (int row = 0; row < static_cast<int>(m_sessions.size()); ++row) {
        const auto &before = old[static_cast<std::size_t>(row)];
        const auto &now = m_sessions[static_cast<std::size_t>(row)];
        int first = ColumnCount, last = -1;
        for (int column = 0; column < ColumnCount; ++column) {
            if (display(before, column) != display(now, column)) {
                first = std::min(first, column);
                last = column;
            }
        }
        if (before.waitingOnLock != now.waitingOnLock) {
            first = 0;
            last = ColumnCount - 1;
        }
        if (last >= 0)
            emit dataChanged(index(row, first), index(row, last),
                             {Qt::DisplayRole, Qt::ToolTipRole, Qt::ForegroundRole});
    }
}

int PgSessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_sessions.size());
}

int PgSessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PgSessionsModel::display(const inv::PgSession &s, int column) const
{
    switch (column) {
    case Pid:
        return s.pid;
    case User:
        return QString::fromStdString(s.user);
    case Application:
        return QString::fromStdString(s.application);
    case State:
        if (s.waitingOnLock)
            return tr("waiting");
        return s.hidden ? tr("hidden") : QString::fromStdString(s.state);
    case WaitEvent:
        // A lock's event names what is locked ("tuple"): say that it is a lock.
        if (s.waitEventType == "Lock")
            return tr("Lock: %1").arg(QString::fromStdString(s.waitEvent));
        return QString::fromStdString(s.waitEvent);
    case TransactionAge:
        return age(s.xactAgeSeconds);
    case Query:
        return oneLine(s.query);
    default:
        return {};
    }
}

QVariant PgSessionsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const inv::PgSession &s = m_sessions[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return display(s, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Query)
            return QString::fromStdString(s.query);
        if (index.column() == WaitEvent && !s.waitEventType.empty())
            return QString::fromStdString(s.waitEventType + ": " + s.waitEvent);
        if (s.hidden)
            return tr("This role may not see another role's sessions: GRANT pg_monitor to it.");
        return {};
    case Qt::ForegroundRole:
        if (s.waitingOnLock)
            return QBrush(QColor(220, 50, 47));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Pid || index.column() == TransactionAge)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant PgSessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Pid:
        return tr("pid");
    case User:
        return tr("User");
    case Application:
        return tr("Application");
    case State:
        return tr("State");
    case WaitEvent:
        return tr("Wait event");
    case TransactionAge:
        return tr("Xact age");
    case Query:
        return tr("Query");
    default:
        return {};
    }
}
