// The audit log as a table, newest first, loaded a page at a time. The model never queries the
// database itself: it asks an AuditLoader (in its worker thread) for pages through queued signals and
// appends what comes back, so that a log of a million rows opens at once and scrolls smoothly.
// Pages are keyset-paginated on (at, id). GUI thread only.
#pragma once

#include "auditloader.h"

#include <QAbstractTableModel>
#include <QList>

class AuditLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Id,
        At,
        Sku,
        Action,
        Quantity,
        StockBefore,
        StockAfter,
        Version,
        Actor,
        ServerId,
        Reason,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role
    {
        // The cell's value as a number or string, not formatted for display.
        RawValueRole = Qt::UserRole + 1,
    };

    static constexpr int kDefaultPageSize = 500;

    explicit AuditLogModel(QObject *parent = nullptr);

    // Wires the model to a loader that lives in another thread. Call once.
    void attach(AuditLoader *loader);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    const AuditRow &row(int row) const { return m_rows.at(row); }
    // The local time zone, as the Time column's header names it ("UTC", "CEST", "UTC+05:30").
    static QString localZoneName();
    const AuditFilter &filter() const { return m_filter; }
    bool isLoading() const { return m_loading; }
    // True when every matching row is in the model.
    bool isComplete() const { return m_atEnd && !m_resetPending; }
    int pageSize() const { return m_pageSize; }
    void setPageSize(int rows) { m_pageSize = rows; }

public slots:
    // Loads the first page for the filter. The rows shown stay until it arrives, then the model
    // resets to it: typing in a filter never flashes an empty table.
    void setFilter(const AuditFilter &filter);
    // Loads the first page again for the same filter.
    void reload();

signals:
    void pageRequested(quint64 generation, const AuditFilter &filter, const AuditCursor &after, int limit);
    void loadingChanged(bool loading);
    // A page arrived; `first` is true for the page that reset the model.
    void pageArrived(int rows, bool first);
    void loadFailed(const QString &message);

private:
    static QVariant alignment(int column);
    void addPage(quint64 generation, const QList<AuditRow> &rows, bool atEnd);
    void failPage(quint64 generation, const QString &message);
    void setLoading(bool loading);
    void request(const AuditCursor &after);

    QList<AuditRow> m_rows;
    AuditFilter m_filter;
    quint64 m_generation = 0;
    int m_pageSize = kDefaultPageSize;
    bool m_atEnd = true;
    bool m_resetPending = false;
    bool m_loading = false;
};
