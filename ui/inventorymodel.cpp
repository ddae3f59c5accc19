#include "inventorymodel.h"

#include <QBrush>
#include <QColor>
#include <QThread>

InventoryModel::InventoryModel(QObject *parent) : QAbstractTableModel(parent) {}

int InventoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int InventoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString InventoryModel::stateName(InventoryRow::CacheState state) const
{
    switch (state) {
    case InventoryRow::CacheState::Fresh:
        return tr("fresh");
    case InventoryRow::CacheState::Stale:
        return tr("STALE");
    case InventoryRow::CacheState::Missing:
        return tr("missing");
    case InventoryRow::CacheState::Expiring:
        return tr("expiring");
    case InventoryRow::CacheState::Unknown:
        return m_redisRefuses ? tr("refused") : tr("Redis down");
    }
    return {};
}

QVariant InventoryModel::display(const InventoryRow &row, int column) const
{
    switch (column) {
    case Sku:
        return row.sku;
    case Name:
        return row.name;
    case DbStock:
        return row.dbStock;
    case CacheStock:
        return row.cached ? QVariant(row.cacheStock) : QVariant(QStringLiteral("–"));
    case DbVersion:
        return row.dbVersion;
    case CacheVersion:
        return row.cached ? QVariant(row.cacheVersion) : QVariant(QStringLiteral("–"));
    case CacheState:
        return stateName(row.cacheState(m_ttlMs, m_redisUp));
    case Ttl:
        if (!row.cached)
            return QStringLiteral("–");
        if (row.ttlMs < 0)
            return tr("no expiry");
        return QStringLiteral("%1 s").arg(static_cast<double>(row.ttlMs) / 1000.0, 0, 'f', 1);
    case Updated:
        // "2026-11-26T05:52:55.123Z" -> "11-26 05:52:55": the year only costs width.
        return row.updatedAt.mid(5, 14).replace(QLatin1Char('T'), QLatin1Char(' '));
    }
    return {};
}

QVariant InventoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InventoryRow &row = m_rows.at(index.row());
    const auto state = row.cacheState(m_ttlMs, m_redisUp);
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case SortRole:
        switch (index.column()) {
        case CacheStock:
            return row.cached ? row.cacheStock : -1;
        case CacheVersion:
            return row.cached ? row.cacheVersion : -1;
        case Ttl:
            return row.ttlMs;
        default:
            return display(row, index.column());
        }
    case Qt::TextAlignmentRole:
        if (index.column() == Sku || index.column() == Name || index.column() == CacheState)
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::BackgroundRole:
        if (state == InventoryRow::CacheState::Stale)
            return QBrush(QColor(220, 50, 47, 70));
        if (state == InventoryRow::CacheState::Expiring && index.column() == Ttl)
            return QBrush(QColor(203, 75, 22, 45));
        return {};
    case Qt::ForegroundRole:
        if (index.column() == CacheState) {
            if (state == InventoryRow::CacheState::Stale)
                return QBrush(QColor(220, 50, 47));
            if (state == InventoryRow::CacheState::Fresh)
                return QBrush(QColor(38, 139, 70));
        }
        return {};
    case Qt::ToolTipRole:
        if (state == InventoryRow::CacheState::Stale)
            return tr("The cache holds stock %1 (version %2) but the database has %3 (version %4)")
                .arg(row.cacheStock)
                .arg(row.cacheVersion)
                .arg(row.dbStock)
                .arg(row.dbVersion);
        return {};
    case StaleRole:
        return state == InventoryRow::CacheState::Stale;
    }
    return {};
}

QVariant InventoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Sku:
        return tr("SKU");
    case Name:
        return tr("Name");
    case DbStock:
        return tr("DB stock");
    case CacheStock:
        return tr("Cache stock");
    case DbVersion:
        return tr("DB ver.");
    case CacheVersion:
        return tr("Cache ver.");
    case CacheState:
        return tr("Cache");
    case Ttl:
        return tr("TTL");
    case Updated:
        return tr("Updated (UTC)");
    }
    return {};
}

void InventoryModel::setSnapshot(const InventorySnapshot &snapshot)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const bool refuses = !redisRefusalCode(snapshot.redisError).isEmpty();
    const bool redisChanged = snapshot.redisUp != m_redisUp || refuses != m_redisRefuses;
    m_redisUp = snapshot.redisUp;
    m_redisRefuses = refuses;
    bool sameKeys = snapshot.rows.size() == m_rows.size();
    for (qsizetype i = 0; sameKeys && i < m_rows.size(); ++i)
        sameKeys = m_rows.at(i).sku == snapshot.rows.at(i).sku;
    if (!sameKeys) {
        beginResetModel();
        m_rows = snapshot.rows;
        endResetModel();
        return;
    }
    static const QList<int> roles{Qt::DisplayRole, Qt::BackgroundRole, Qt::ForegroundRole,
                                  Qt::ToolTipRole, StaleRole,          SortRole};
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        const InventoryRow before = m_rows.at(i);
        m_rows[i] = snapshot.rows.at(i);
        if (before == m_rows.at(i) && !redisChanged)
            continue;
        const int r = static_cast<int>(i);
        // One narrow update per changed cell run: the row's changed columns only.
        int first = -1;
        for (int c = 0; c <= ColumnCount; ++c) {
            const bool changed = c < ColumnCount && (redisChanged || c == CacheState || c == Ttl ||
                                                     display(before, c) != display(m_rows.at(i), c));
            if (changed && first < 0)
                first = c;
            if (!changed && first >= 0) {
                emit dataChanged(index(r, first), index(r, c - 1), roles);
                first = -1;
            }
        }
    }
}

const InventoryRow *InventoryModel::rowAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int InventoryModel::rowOf(const QString &sku) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).sku == sku)
            return static_cast<int>(i);
    return -1;
}

int InventoryModel::staleCount() const
{
    int n = 0;
    for (const auto &r : m_rows)
        n += r.cacheState(m_ttlMs, m_redisUp) == InventoryRow::CacheState::Stale ? 1 : 0;
    return n;
}
