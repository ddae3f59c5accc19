#include "sandboxstarter.h"

#include "sandbox/sandbox.h"

#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QSettings>
#include <QThread>

SandboxStarter::SandboxStarter(QWidget *parent) : QObject(parent), m_parent(parent) {}

bool SandboxStarter::running()
{
    try {
        const inv::SandboxStatus status = inv::Sandbox(inv::Sandbox::defaultDir()).status();
        return status.pgRunning && status.redisRunning;
    } catch (const std::exception &) {
        return false;
    }
}

QString SandboxStarter::withRedisPassword(const QString &redisUrl)
{
    if (redisUrl.isEmpty())
        return redisUrl;
    try {
        return QString::fromStdString(
            inv::Sandbox(inv::Sandbox::defaultDir()).withRedisPassword(redisUrl.toStdString()));
    } catch (const std::exception &) {
        return redisUrl;
    }
}

void SandboxStarter::start()
{
    auto *progress = new QProgressDialog(tr("Starting the local sandbox…"), QString(), 0, 0, m_parent);
    progress->setWindowTitle(tr("Local sandbox"));
    progress->setMinimumDuration(0);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->show();
    QPointer<SandboxStarter> self(this);
    QPointer<QProgressDialog> dialog(progress);
    // Starting PostgreSQL takes seconds: off the GUI thread, with each step shown as it happens.
    QThread *worker = QThread::create([self, dialog] {
        QString pg, redis, error;
        try {
            inv::Sandbox sandbox(inv::Sandbox::defaultDir());
            auto status = sandbox.start([dialog](const std::string &step) {
                const QString text = QString::fromStdString(step);
                QMetaObject::invokeMethod(dialog.data(), [dialog, text] {
                    if (dialog)
                        dialog->setLabelText(text);
                });
            });
            pg = QString::fromStdString(status.pgUrl);
            redis = QString::fromStdString(status.redisUrl);
        } catch (const std::exception &e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(self.data(), [self, dialog, pg, redis, error] {
            if (dialog)
                dialog->close();
            if (!self)
                return;
            if (!error.isEmpty()) {
                QMessageBox::critical(
                    self->m_parent, tr("Local sandbox"),
                    tr("The local sandbox could not start:\n%1\n\nConnect to your own servers "
                       "with File > Connect, or run 'inventory-console sandbox start' in a "
                       "terminal to see every step.")
                        .arg(error));
                return;
            }
            QSettings().setValue(QStringLiteral("connection/sandbox"), true);
            emit self->started(pg, redis);
        });
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}
