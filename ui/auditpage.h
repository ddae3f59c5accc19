// The audit-log page: the append-only inventory_audit table, newest first, with filters that apply as
// the operator types, CSV export of the filtered rows, and a chart of the selected SKU's stock over
// time. Every query runs in the page's own worker thread (an AuditLoader with its own connection);
// the page only sends requests and receives rows. GUI thread only.
#pragma once

#include "auditloader.h"
#include "inventoryrow.h"

#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include <memory>

class AuditCsvExport;
class AuditLogModel;
class AuditRowActions;
class QTableView;
class StockHistoryChart;

namespace Ui {
class AuditPage;
}

class AuditPage : public QWidget
{
    Q_OBJECT

public:
    // At most this many of the newest changes go into the chart.
    static constexpr int kHistoryLimit = 5000;

    explicit AuditPage(QWidget *parent = nullptr);
    ~AuditPage() override;

    // Connects in the page's own worker thread to a libpq connection string or URI
    // (e.g. postgresql://inventory:pw@127.0.0.1:5432/inventory). Safe to call again to reconnect.
    void setDatabase(const QString &conninfo);
    // Narrows the page to one SKU (the inventory page's "show audit" action).
    void showSku(const QString &sku);
    // Writes every row matching the current filters to `path`, in a worker, with progress.
    // Returns false if an export is already running.
    bool exportCsv(const QString &path);

    // The filters as the widgets show them now, before the debounce.
    AuditFilter currentFilter() const;
    AuditLogModel *model() const { return m_model; }
    StockHistoryChart *chart() const { return m_chart; }
    QTableView *tableView() const;
    AuditRowActions *rowActions() const { return m_rowActions; }
    // The status line's whole text (the label may show it elided).
    QString statusText() const;
    // Selects the row with this id: in place if it is loaded, else after narrowing to its SKU.
    void selectAuditId(qint64 id, const QString &sku);

public slots:
    void refresh();
    // The status bar's health check: PostgreSQL answering again reloads what an outage left empty.
    void setDatabaseAvailable(bool available);
    // The engine's answer to a reverseRequested.
    void showReversal(qint64 auditId, const ActionOutcome &outcome);

signals:
    void statusMessage(const QString &text); // for the status bar
    void exportFinished(bool ok, qint64 rows, const QString &message);
    void reverseRequested(qint64 auditId, const QString &note);
    void openProductRequested(const QString &sku);

private:
    void setUpTable();
    void setUpFilters();
    void scheduleFilter();
    void applyFilter();
    void clearFilters();
    // Every filter back to its default, with the SKU filter set to `sku`.
    void resetFilters(const QString &sku);
    void chooseExportFile();
    void scheduleChart();
    void loadChart(bool force);
    QString chartSku() const;
    void showHistory(quint64 generation, const QString &sku, const QList<QPointF> &points,
                     const QList<qint64> &ids);
    void showHistoryError(quint64 generation, const QString &message);
    void updateStatus();
    void showError(const QString &message);
    void finishExport(bool ok, qint64 rows, const QString &message);
    // Selects m_pendingSelect if it is loaded; loads more pages while it may come later.
    void trySelectPending();

    std::unique_ptr<Ui::AuditPage> m_ui;
    AuditLogModel *m_model;
    StockHistoryChart *m_chart;
    QThread m_thread;
    AuditLoader *m_loader; // lives in m_thread, deleted when it finishes
    QTimer m_filterTimer;
    QTimer m_chartTimer;
    QString m_conninfo;
    QString m_error;
    quint64 m_historyGeneration = 0;
    QString m_historySku; // the SKU last asked for
    AuditCsvExport *m_export;
    bool m_dbAvailable = true;
    AuditRowActions *m_rowActions = nullptr;
    qint64 m_pendingSelect = 0;
    QString m_notice; // the last reversal's result, after the row count
};
