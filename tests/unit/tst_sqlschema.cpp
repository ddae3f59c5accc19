// SqlSchema::qualify: a simulation's statements name its schema for every table reference, and
// nothing else changes.
#include "db/migrations.h"
#include "db/sqlschema.h"

#include <QTest>

using inv::SqlSchema;

class TestSqlSchema : public QObject
{
    Q_OBJECT

private slots:
    void qualifiesEveryTableReference_data();
    void qualifiesEveryTableReference();
    void knowsEveryTableTheMigrationsCreate();
};

void TestSqlSchema::qualifiesEveryTableReference_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("qualified");
    QTest::newRow("select") << "SELECT stock, version FROM inventory WHERE sku = $1"
                            << "SELECT stock, version FROM sim_a.inventory WHERE sku = $1";
    QTest::newRow("update and insert")
        << "WITH u AS (UPDATE inventory SET stock = stock - $2 RETURNING *) INSERT INTO inventory_audit "
           "(sku) "
           "SELECT sku FROM u"
        << "WITH u AS (UPDATE sim_a.inventory SET stock = stock - $2 RETURNING *) INSERT INTO "
           "sim_a.inventory_audit (sku) SELECT sku FROM u";
    QTest::newRow("correlation names stay")
        << "INSERT INTO cache_repairs (sku, version) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET "
           "version = greatest(cache_repairs.version, excluded.version)"
        << "INSERT INTO sim_a.cache_repairs (sku, version) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET "
           "version = greatest(cache_repairs.version, excluded.version)";
    QTest::newRow("qualified names stay")
        << "SELECT 1 FROM public.inventory JOIN pg_catalog.pg_class c ON true"
        << "SELECT 1 FROM public.inventory JOIN pg_catalog.pg_class c ON true";
    QTest::newRow("literals, identifiers and comments stay")
        << "SELECT 'inventory', \"inventory\", $$inventory$$, $q$ FROM inventory $q$ -- inventory\nFROM "
           "inventory /* inventory */"
        << "SELECT 'inventory', \"inventory\", $$inventory$$, $q$ FROM inventory $q$ -- inventory\nFROM "
           "sim_a.inventory /* inventory */";
    QTest::newRow("longer names and parameters stay")
        << "SELECT inventory_audit_sku_at, my_inventory, $1, inventory_audit.id FROM inventory_audit"
        << "SELECT inventory_audit_sku_at, my_inventory, $1, inventory_audit.id FROM sim_a.inventory_audit";
    QTest::newRow("keywords in any case") << "delete from Inventory_Audit where id = 1"
                                          << "delete from sim_a.inventory_audit where id = 1";
}

void TestSqlSchema::qualifiesEveryTableReference()
{
    QFETCH(QString, sql);
    QFETCH(QString, qualified);
    QCOMPARE(QString::fromStdString(SqlSchema::qualify(sql.toStdString(), "sim_a")), qualified);
    // Without a schema the statement is the operator's, as written.
    QCOMPARE(QString::fromStdString(SqlSchema::qualify(sql.toStdString(), "")), sql);
}

void TestSqlSchema::knowsEveryTableTheMigrationsCreate()
{
    const auto &tables = inv::Migrations::tables();
    for (const char *name :
         {"inventory", "inventory_audit", "simulation_runs", "cache_repairs", "schema_migrations"})
        QVERIFY2(std::find(tables.begin(), tables.end(), name) != tables.end(), name);
    QCOMPARE(tables.size(), std::size_t(5));
}

QTEST_APPLESS_MAIN(TestSqlSchema)
#include "tst_sqlschema.moc"
