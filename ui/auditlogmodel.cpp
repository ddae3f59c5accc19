#include "auditlogmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>
#include <QThread>
#include <QTime>

#include <cstdlib>

using namespace Qt::StringLiterals;

namespace {

// Reasons longer than this get the whole text in a tooltip.
constexpr int kLongReason = 40;

bool darkPalette()
{
    return QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
}

// Muted hues that read on light and dark bases alike: stock out, stock in, correction.
QColor actionColor(const QString &action)
{
    const bool dark = darkPalette();
    if (action == "purchase"_L1)
        return dark ? QColor(0xf0, 0x8a, 0x80) : QColor(0xb0, 0x3a, 0x2e);
    if (action == "restock"_L1)
        return dark ? QColor(0x7f, 0xd1, 0x8b) : QColor(0x1e, 0x7b, 0x34);
    if (action == "adjust"_L1)
        return dark ? QColor(0xf2, 0xc0, 0x5c) : QColor(0x9a, 0x67, 0x00);
    return {};
}

} // namespace

AuditLogModel::AuditLogModel(QObject *parent) : QAbstractTableModel(parent) {}

void AuditLogModel::attach(AuditLoader *loader)
{
    connect(this, &AuditLogModel::pageRequested, loader, &AuditLoader::fetchPage, Qt::QueuedConnection);
    connect(loader, &AuditLoader::pageLoaded, this, &AuditLogModel::addPage, Qt::QueuedConnection);
    connect(loader, &AuditLoader::pageFailed, this, &AuditLogModel::failPage, Qt::QueuedConnection);
}

int AuditLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AuditLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::alignment(int column)
{
    // Numbers right, text left, in the cells and their headers alike.
    switch (column) {
    case Id:
    case Quantity:
    case StockBefore:
    case StockAfter:
    case Version:
        return QVariant::fromValue(int(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return QVariant::fromValue(int(Qt::AlignLeft | Qt::AlignVCenter));
    }
}

QString AuditLogModel::localZoneName()
{
    const QDateTime now = QDateTime::currentDateTime();
    const int offset = now.offsetFromUtc();
    if (offset == 0)
        return tr("UTC");
    const QString abbreviation = now.timeZoneAbbreviation();
    // Some zones have no letters, only "+03": then the offset says it better.
    if (!abbreviation.isEmpty() && abbreviation.front().isLetter() && !abbreviation.startsWith(u"UTC"_s) &&
        !abbreviation.startsWith(u"GMT"_s))
        return abbreviation;
    return u"UTC"_s + (offset < 0 ? u'−' : u'+') + QTime(0, 0).addSecs(std::abs(offset)).toString(u"HH:mm"_s);
}

QVariant AuditLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditRow &r = m_rows.at(index.row());
    const auto column = Column(index.column());

    if (role == Qt::DisplayRole || role == RawValueRole) {
        const bool raw = role == RawValueRole;
        switch (column) {
        case Id:
            return raw ? QVariant(r.id) : QVariant(QString::number(r.id));
        case At:
            return raw ? r.atIso : r.atLocal;
        case Sku:
            return r.sku;
        case Action:
            return r.action;
        case Quantity:
            return raw ? QVariant(r.quantity) : QVariant(QLocale().toString(r.quantity));
        case StockBefore:
            return raw ? QVariant(r.stockBefore) : QVariant(QLocale().toString(r.stockBefore));
        case StockAfter:
            return raw ? QVariant(r.stockAfter) : QVariant(QLocale().toString(r.stockAfter));
        case Version:
            return raw ? QVariant(r.version) : QVariant(QString::number(r.version));
        case Actor:
            return r.actor;
        case ServerId:
            return r.serverId;
        case Reason:
            return r.reason;
        case ColumnCount:
            break;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole)
        return alignment(column);
    if (role == Qt::ForegroundRole && column == Action) {
        const QColor color = actionColor(r.action);
        return color.isValid() ? QVariant(QBrush(color)) : QVariant();
    }
    if (role == Qt::ToolTipRole) {
        if (column == Reason && r.reason.size() > kLongReason)
            return u"<p style='white-space:pre-wrap'>%1</p>"_s.arg(r.reason.toHtmlEscaped());
        if (column == At)
            return tr("%1 (UTC)").arg(r.atIso);
    }
    return {};
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    const auto column = Column(section);
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Id:
            return tr("ID");
        case At:
            // The zone the times are shown in, as the Inventory page says "Updated (UTC)".
            return tr("Time (%1)").arg(localZoneName());
        case Sku:
            return tr("SKU");
        case Action:
            return tr("Action");
        case Quantity:
            return tr("Qty");
        case StockBefore:
            return tr("Before");
        case StockAfter:
            return tr("After");
        case Version:
            return tr("Version");
        case Actor:
            return tr("Actor");
        case ServerId:
            return tr("Server");
        case Reason:
            return tr("Reason");
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (column) {
        case At:
            return tr("When the change was committed, in local time");
        case Quantity:
            return tr("Units bought or restocked, or the size of an adjustment");
        case StockBefore:
            return tr("Stock before the change");
        case StockAfter:
            return tr("Stock after the change");
        case Version:
            return tr("The product's version after the change");
        case Actor:
            return tr("The database role that made the change");
        case ServerId:
            return tr("The app server that made the change");
        default:
            break;
        }
    }
    if (role == Qt::TextAlignmentRole)
        return alignment(column);
    return QAbstractTableModel::headerData(section, orientation, role);
}

bool AuditLogModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_resetPending;
}

void AuditLogModel::fetchMore(const QModelIndex &parent)
{
    Q_ASSERT(QThread::currentThread() == thread());
    // One request in flight at a time: the view calls this on every scroll to the bottom.
    if (parent.isValid() || m_atEnd || m_resetPending || m_loading || m_rows.isEmpty())
        return;
    request(m_rows.constLast().cursor());
}

void AuditLogModel::setFilter(const AuditFilter &filter)
{
    m_filter = filter;
    reload();
}

void AuditLogModel::reload()
{
    Q_ASSERT(QThread::currentThread() == thread());
    // A new generation: pages still in flight for the old filter are dropped when they arrive.
    ++m_generation;
    m_resetPending = true;
    request(AuditCursor{});
}

void AuditLogModel::request(const AuditCursor &after)
{
    setLoading(true);
    emit pageRequested(m_generation, m_filter, after, m_pageSize);
}

void AuditLogModel::addPage(quint64 generation, const QList<AuditRow> &rows, bool atEnd)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (generation != m_generation)
        return;
    const bool first = m_resetPending;
    // The request is answered once the rows are in place and before anyone hears of them: a view or
    // the model tester may ask for the next page from rowsInserted, with the right cursor.
    if (first) {
        beginResetModel();
        m_rows = rows;
        m_atEnd = atEnd;
        m_resetPending = false;
        m_loading = false;
        endResetModel();
    } else if (!rows.isEmpty()) {
        const int begin = int(m_rows.size());
        beginInsertRows(QModelIndex(), begin, begin + int(rows.size()) - 1);
        m_rows.append(rows);
        m_atEnd = atEnd;
        m_loading = false;
        endInsertRows();
    } else {
        m_atEnd = atEnd;
        m_loading = false;
    }
    if (!m_loading) // unless a handler already asked for the next page
        emit loadingChanged(false);
    emit pageArrived(int(rows.size()), first);
}

void AuditLogModel::failPage(quint64 generation, const QString &message)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (generation != m_generation)
        return;
    // Stop asking until the operator refreshes: a down server is not hammered by scrolling.
    m_loading = false;
    m_atEnd = true;
    if (m_resetPending) {
        beginResetModel();
        m_rows.clear();
        m_resetPending = false;
        endResetModel();
    }
    emit loadingChanged(false);
    emit loadFailed(message);
}

void AuditLogModel::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    emit loadingChanged(loading);
}
