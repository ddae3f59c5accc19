#include "auditcsvexport.h"

#include <QDir>
#include <QLocale>
#include <QProgressDialog>
#include <QThread>

using namespace Qt::Literals::StringLiterals;

AuditCsvExport::AuditCsvExport(QWidget *dialogParent) : QObject(dialogParent), m_dialogParent(dialogParent) {}

AuditCsvExport::~AuditCsvExport()
{
    if (m_thread) {
        if (m_loader)
            m_loader->requestCancel();
        m_thread->quit();
        m_thread->wait();
    }
}

bool AuditCsvExport::start(const QString &conninfo, const AuditFilter &filter, const QString &path)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_running || conninfo.isEmpty())
        return false;
    auto *worker = new QThread(this);
    worker->setObjectName(u"audit-export"_s);
    auto *loader = new AuditLoader;
    loader->setConninfo(conninfo);
    loader->moveToThread(worker);
    connect(worker, &QThread::finished, loader, &QObject::deleteLater);
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    m_thread = worker;
    m_loader = loader;
    m_running = true;

    auto *progress =
        new QProgressDialog(tr("Exporting audit rows to %1…").arg(QDir::toNativeSeparators(path)),
                            tr("Cancel"), 0, 1000, m_dialogParent);
    progress->setWindowTitle(tr("Export CSV"));
    progress->setAttribute(Qt::WA_DeleteOnClose);
    // Not modal: a modal progress dialog runs a nested event loop from setValue().
    progress->setWindowModality(Qt::NonModal);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    progress->setMinimumDuration(400);
    progress->setMinimumWidth(420);
    m_progress = progress;
    connect(progress, &QProgressDialog::canceled, this, [this] {
        if (m_loader)
            m_loader->requestCancel();
    });
    connect(loader, &AuditLoader::exportProgress, this, [this](qint64 written, qint64 total) {
        if (!m_progress)
            return;
        m_progress->setLabelText(
            tr("Exported %1 of %2 rows…").arg(QLocale().toString(written), QLocale().toString(total)));
        m_progress->setValue(total > 0 ? int(written * 1000 / total) : 0);
    });
    connect(loader, &AuditLoader::exportFinished, this, &AuditCsvExport::finish);
    worker->start();
    QMetaObject::invokeMethod(loader, [loader, filter, path] { loader->exportCsv(filter, path); });
    return true;
}

void AuditCsvExport::finish(bool ok, qint64 rows, const QString &message)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_running = false;
    m_loader = nullptr;
    // The thread deletes itself once it has stopped; the destructor waits for it if need be.
    if (m_thread)
        m_thread->quit();
    if (m_progress)
        m_progress->close();
    emit finished(ok, rows, message);
}
