// The inventory table: each product's stock and version in the database and in the cache, the
// cache state and TTL. A refresh with the same products in the same order updates only the cells
// that changed (narrow dataChanged with explicit roles); any other refresh resets the model.
// GUI thread only.
#pragma once

#include "inventoryrow.h"

#include <QAbstractTableModel>

class InventoryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Sku,
        Name,
        DbStock,
        CacheStock,
        DbVersion,
        CacheVersion,
        CacheState,
        Ttl,
        Updated,
        ColumnCount
    };
    enum Role
    {
        StaleRole = Qt::UserRole + 1,
        SortRole
    };

    explicit InventoryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setSnapshot(const InventorySnapshot &snapshot);
    void setConfiguredTtl(qint64 ms) { m_ttlMs = ms; }
    const InventoryRow *rowAt(int row) const;
    int rowOf(const QString &sku) const;
    int staleCount() const;

    QString stateName(InventoryRow::CacheState state) const;

private:
    QVariant display(const InventoryRow &row, int column) const;

    QList<InventoryRow> m_rows;
    qint64 m_ttlMs = 30000;
    bool m_redisUp = true;
    // Redis answers but refuses the console (NOAUTH, NOPERM…): the cache state says "refused".
    bool m_redisRefuses = false;
};
