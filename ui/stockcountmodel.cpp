#include "stockcountmodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>

void StockCountModel::setLines(std::vector<inv::StockCountLine> lines)
{
    beginResetModel();
    m_lines = std::move(lines);
    // Problems first, then changes, then the rest, each in file order: what needs a look comes first.
    std::stable_sort(m_lines.begin(), m_lines.end(), [](const auto &a, const auto &b) {
        const auto rank = [](const inv::StockCountLine &line) {
            return !line.error.empty() ? 0 : line.difference() != 0 ? 1 : 2;
        };
        return rank(a) < rank(b);
    });
    endResetModel();
}

int StockCountModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
}

int StockCountModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StockCountModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto &line = m_lines[static_cast<std::size_t>(index.row())];
    const bool bad = !line.error.empty();
    const QLocale locale;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Line:
            return line.line;
        case Sku:
            return QString::fromStdString(line.sku);
        case Current:
            return line.known ? locale.toString(line.current) : QString();
        case Counted:
            return bad && line.counted == 0 ? QString() : locale.toString(line.counted);
        case Change:
            if (bad || !line.known)
                return QString();
            return line.difference() == 0 ? tr("none")
                                          : (line.difference() > 0 ? QStringLiteral("+") : QString()) +
                                                locale.toString(line.difference());
        case Status:
            if (bad)
                return QString::fromStdString(line.error);
            return line.difference() == 0 ? tr("unchanged") : tr("will be adjusted");
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Status && bad)
        return tr("Line %1: %2").arg(line.line).arg(QString::fromStdString(line.error));
    if (role == Qt::ForegroundRole && bad)
        return QBrush(QColor(0xd3, 0x2f, 0x2f));
    if (role == Qt::TextAlignmentRole && index.column() != Sku && index.column() != Status)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant StockCountModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Line:
        return tr("Line");
    case Sku:
        return tr("SKU");
    case Current:
        return tr("In stock");
    case Counted:
        return tr("Counted");
    case Change:
        return tr("Change");
    case Status:
        return tr("Status");
    }
    return {};
}
