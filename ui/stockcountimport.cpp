#include "stockcountimport.h"

#include "errors.h"
#include "inventory/inventoryservice.h"

#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QThread>

#include <chrono>

StockCountImport::StockCountImport(QString pgConninfo, QString redisUrl, QObject *parent)
    : QObject(parent), m_pg(std::move(pgConninfo)), m_redis(std::move(redisUrl))
{}

StockCountImport::~StockCountImport() = default; // joins the worker; its answers are dropped

template <typename Work> void StockCountImport::run(Work work)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_busy)
        return;
    m_busy = true;
    if (m_worker.joinable())
        m_worker.join();
    QPointer<StockCountImport> self(this);
    // The worker may use m_service: the destructor joins it before any member goes, and only one
    // worker runs at a time.
    m_worker = std::jthread([this, self, work, pg = m_pg.toStdString(), redis = m_redis.toStdString()] {
        // Every outcome, a failure too, reaches the GUI as a queued call to a living object.
        auto post = [self](auto answer) {
            QMetaObject::invokeMethod(
                self.data(),
                [self, answer] {
                    if (!self)
                        return;
                    self->m_busy = false;
                    answer(*self);
                },
                Qt::QueuedConnection);
        };
        try {
            if (!m_service) {
                inv::ServiceConfig config;
                config.pgConninfo = pg;
                config.redisUrl = redis;
                config.pgConnections = 1;
                config.redisConnections = 1;
                m_service = std::make_unique<inv::InventoryService>(config);
            }
            work(*m_service, post);
        } catch (const inv::VersionConflict &e) {
            const QString message = tr("%1 changed while the count was being applied (now %2 at version %3); "
                                       "nothing was written. "
                                       "Preview the file again to compare it with the new stock.")
                                        .arg(QString::fromStdString(e.sku()))
                                        .arg(e.currentStock())
                                        .arg(e.currentVersion());
            post([message](StockCountImport &owner) { emit owner.failed(message); });
        } catch (const inv::InvalidInput &e) {
            const QString message = QString::fromStdString(e.what());
            post([message](StockCountImport &owner) { emit owner.failed(message); });
        } catch (const std::exception &e) {
            const QString message = tr("The database failed: %1. Nothing was written; check the connection "
                                       "(status bar) and try again.")
                                        .arg(QString::fromStdString(e.what()));
            post([message](StockCountImport &owner) { emit owner.failed(message); });
        }
    });
}

void StockCountImport::preview(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        emit failed(
            tr("Cannot read %1: %2. Check the path and that you may read it.").arg(path, file.errorString()));
        return;
    }
    if (file.size() > (64 << 20)) {
        emit failed(tr("%1 is larger than 64 MiB: split the count into several files.").arg(path));
        return;
    }
    const QByteArray bytes = file.readAll();
    const std::string name = QFileInfo(path).fileName().toStdString();
    emit progress(tr("Checking %1 and comparing it with the database…").arg(QFileInfo(path).fileName()));
    m_count.reset();
    run([bytes, name](inv::InventoryService &service, auto post) {
        auto count = std::make_shared<inv::StockCount>(inv::StockCount::parse(bytes.toStdString(), name));
        count->preview(service.pgPool());
        post([count](StockCountImport &owner) {
            owner.m_count = count;
            emit owner.previewed();
        });
    });
}

void StockCountImport::apply()
{
    if (!m_count)
        return;
    emit progress(tr("Applying %1 in one transaction…")
                      .arg(m_count->changeCount() == 1 ? tr("1 adjustment")
                                                       : tr("%1 adjustments").arg(m_count->changeCount())));
    auto count = m_count;
    run([count](inv::InventoryService &service, auto post) {
        const auto start = std::chrono::steady_clock::now();
        const auto result = service.importCount(*count);
        const auto ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        const QString summary =
            (result.adjusted == 1 ? tr("Applied: 1 product adjusted")
                                  : tr("Applied: %1 products adjusted").arg(result.adjusted)) +
            tr(", %1 unchanged, one audit row each, in one transaction (%2 ms).")
                .arg(result.unchanged)
                .arg(ms, 0, 'f', 0);
        post([summary](StockCountImport &owner) { emit owner.applied(summary); });
    });
}
