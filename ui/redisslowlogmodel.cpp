#include "redisslowlogmodel.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>

RedisSlowLogModel::RedisSlowLogModel(QObject *parent) : QAbstractTableModel(parent) {}

void RedisSlowLogModel::setEntries(std::vector<inv::RedisSlowLogEntry> entries)
{
    const bool same = entries.size() == m_entries.size() &&
                      std::equal(entries.begin(), entries.end(), m_entries.begin(),
                                 [](const auto &a, const auto &b) { return a.id == b.id; });
    if (same)
        return; // entries never change once logged
    beginResetModel();
    m_entries = std::move(entries);
    endResetModel();
}

int RedisSlowLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int RedisSlowLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RedisSlowLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto &e = m_entries[static_cast<std::size_t>(index.row())];
    if (role == Qt::TextAlignmentRole && (index.column() == Id || index.column() == Duration))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Command)
        return QString::fromStdString(e.command);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Id:
        return static_cast<qlonglong>(e.id);
    case Time:
        return QDateTime::fromSecsSinceEpoch(e.timestamp).toString(QStringLiteral("HH:mm:ss"));
    case Duration:
        return tr("%1 ms").arg(QLocale().toString(static_cast<double>(e.durationMicros) / 1000.0, 'f', 1));
    case Command:
        return QString::fromStdString(e.command).simplified();
    case Client:
        return e.clientName.empty() ? QString::fromStdString(e.client)
                                    : QString::fromStdString(e.client + " (" + e.clientName + ")");
    default:
        return {};
    }
}

QVariant RedisSlowLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id:
        return tr("#");
    case Time:
        return tr("Time");
    case Duration:
        return tr("Duration");
    case Command:
        return tr("Command");
    case Client:
        return tr("Client");
    default:
        return {};
    }
}
