// The bridge between the console's widgets and the engine. It lives in its own QThread and owns
// the InventoryService; the GUI calls its slots through queued connections and gets answers as
// queued signals, so the event loop never waits on PostgreSQL or Redis. Engine exceptions are
// caught here and become messages. Only its own thread may call the slots directly.
#pragma once

#include "inventoryrow.h"

#include <QObject>
#include <QString>

#include <memory>

namespace inv {
class InventoryService;
}

class ConsoleBackend : public QObject
{
    Q_OBJECT

public:
    explicit ConsoleBackend(QObject *parent = nullptr);
    ~ConsoleBackend() override;

public slots:
    void connectTo(const QString &pgConninfo, const QString &redisUrl, const QString &strategy);
    void setStrategy(const QString &strategy);
    void loadInventory(const QString &filter, int limit);
    // action: purchase, restock or adjust; quantity as typed, checked by the engine's rules.
    // seenVersion: the version the operator saw (0 if unknown). An adjust applies only while the
    // product is still at it; purchase and restock apply and list the changes made in between.
    void runAction(const QString &action, const QString &sku, const QString &quantity, const QString &reason,
                   qint64 seenVersion);
    // Writes the change that compensates audit row auditId; answers with reversalFinished.
    void reverse(qint64 auditId, const QString &note);
    void addProduct(const QString &sku, const QString &name, const QString &stock);
    void probeHealth();

signals:
    void connected(const QString &serverId, qint64 ttlMs);
    void connectionFailed(const QString &message);
    void inventoryLoaded(const InventorySnapshot &snapshot);
    void actionFinished(const ActionOutcome &outcome);
    void reversalFinished(qint64 auditId, const ActionOutcome &outcome);
    void healthChanged(const HealthState &health);

private:
    // "v13 purchase 2 by ann@host (#4031)" for each change of sku in (afterVersion, upToVersion].
    QString describeChanges(const QString &sku, qint64 afterVersion, qint64 upToVersion);

    std::unique_ptr<inv::InventoryService> m_service;
    QString m_pg;
    QString m_redis;
};
