// The lines of a stock count for the import preview: line number, SKU, current and counted stock,
// the change, and what is wrong with the line if anything. A full reset per preview. GUI thread.
#pragma once

#include "inventory/stockcount.h"

#include <QAbstractTableModel>

class StockCountModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Line,
        Sku,
        Current,
        Counted,
        Change,
        Status,
        ColumnCount
    };

    using QAbstractTableModel::QAbstractTableModel;

    void setLines(std::vector<inv::StockCountLine> lines);
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<inv::StockCountLine> m_lines;
};
