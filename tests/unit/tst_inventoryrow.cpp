// InventoryRow::cacheState: the console's STALE marker follows the CLI's rule, so a cache that is
// ahead of the database snapshot read just before it is not flagged on correct code.
#include "inventoryrow.h"

#include <QTest>

class TestInventoryRow : public QObject
{
    Q_OBJECT

private slots:
    void cacheState_data();
    void cacheState();
};

void TestInventoryRow::cacheState_data()
{
    QTest::addColumn<bool>("cached");
    QTest::addColumn<int>("cacheStock");
    QTest::addColumn<qint64>("cacheVersion");
    QTest::addColumn<qint64>("ttlMs");
    QTest::addColumn<bool>("redisUp");
    QTest::addColumn<int>("state");
    using S = InventoryRow::CacheState;
    // The database row is stock 40 at version 5.
    QTest::newRow("same") << true << 40 << qint64(5) << qint64(20000) << true << int(S::Fresh);
    QTest::newRow("cache behind") << true << 44 << qint64(4) << qint64(20000) << true << int(S::Stale);
    QTest::newRow("cache ahead of the snapshot")
        << true << 39 << qint64(6) << qint64(20000) << true << int(S::Fresh);
    QTest::newRow("same version, other stock")
        << true << 41 << qint64(5) << qint64(20000) << true << int(S::Stale);
    QTest::newRow("missing") << false << 0 << qint64(0) << qint64(-2) << true << int(S::Missing);
    QTest::newRow("expiring") << true << 40 << qint64(5) << qint64(100) << true << int(S::Expiring);
    QTest::newRow("redis down") << true << 44 << qint64(4) << qint64(20000) << false << int(S::Unknown);
}

void TestInventoryRow::cacheState()
{
    QFETCH(bool, cached);
    QFETCH(int, cacheStock);
    QFETCH(qint64, cacheVersion);
    QFETCH(qint64, ttlMs);
    QFETCH(bool, redisUp);
    QFETCH(int, state);
    InventoryRow row;
    row.dbStock = 40;
    row.dbVersion = 5;
    row.cached = cached;
    row.cacheStock = cacheStock;
    row.cacheVersion = cacheVersion;
    row.ttlMs = ttlMs;
    QCOMPARE(int(row.cacheState(30000, redisUp)), state);
}

QTEST_GUILESS_MAIN(TestInventoryRow)
#include "tst_inventoryrow.moc"
