// Exports the audit rows that match a filter to a CSV file on a thread and connection of its own,
// with a progress dialog that can cancel it, so that browsing stays live during a long export.
// One export at a time. GUI thread only; the destructor cancels and waits for a running export.
#pragma once

#include "auditloader.h"

#include <QObject>
#include <QPointer>

class QProgressDialog;
class QThread;
class QWidget;

class AuditCsvExport : public QObject
{
    Q_OBJECT

public:
    explicit AuditCsvExport(QWidget *dialogParent);
    ~AuditCsvExport() override;

    // False if an export is already running.
    bool start(const QString &conninfo, const AuditFilter &filter, const QString &path);
    bool running() const { return m_running; }

signals:
    void finished(bool ok, qint64 rows, const QString &message);

private:
    void finish(bool ok, qint64 rows, const QString &message);

    QWidget *m_dialogParent;
    QPointer<QThread> m_thread;
    AuditLoader *m_loader = nullptr; // lives in m_thread while it runs
    bool m_running = false;
    QPointer<QProgressDialog> m_progress;
};
