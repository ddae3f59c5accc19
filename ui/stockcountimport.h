// Runs a stock-count import for the console off the GUI thread: reads and checks the file, compares
// it with the database (preview), and applies it in one transaction. Each step runs on a thread of
// its own, sharing one small InventoryService; results come back as queued signals. GUI thread only.
#pragma once

#include "inventory/inventoryservice.h"
#include "inventory/stockcount.h"

#include <QObject>
#include <QString>

#include <memory>
#include <thread>

class StockCountImport : public QObject
{
    Q_OBJECT

public:
    StockCountImport(QString pgConninfo, QString redisUrl, QObject *parent = nullptr);
    ~StockCountImport() override;

    // Reads and checks the file and compares it with the database; answers with previewed or failed.
    void preview(const QString &path);
    // Applies the previewed count; answers with applied or failed.
    void apply();
    bool busy() const { return m_busy; }
    // The last preview; valid between previewed and the next preview().
    const inv::StockCount *count() const { return m_count.get(); }

signals:
    void progress(const QString &text);
    void previewed();
    void applied(const QString &summary);
    void failed(const QString &message);

private:
    template <typename Work> void run(Work work);

    QString m_pg;
    QString m_redis;
    std::shared_ptr<inv::StockCount> m_count;
    // Made by the first worker and kept for the next: one set of connections per dialog.
    std::unique_ptr<inv::InventoryService> m_service;
    bool m_busy = false;
    std::jthread m_worker;
};
