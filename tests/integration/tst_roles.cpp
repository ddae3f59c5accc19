// Least privilege against the real PostgreSQL: the read-only role (INVENTORY_PG_READER_URL) reads
// the stock, the audit log and the simulation history and may change none of them, nor read
// anything else; the operator role (INVENTORY_PG_URL), which the console and the simulations use,
// changes the stock and appends to the audit log. That the operator and the owner cannot rewrite
// the audit log is tst_migrations' part. Every refused write is checked against the table itself.
#include "db/pgconnection.h"
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <memory>
#include <string>

class TestRoles : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void readerReads_data();
    void readerReads();
    void readerCannotWrite_data();
    void readerCannotWrite();
    void readerSeesNothingElse_data();
    void readerSeesNothingElse();
    void operatorChangesStockAndAppendsToTheAuditLog();

private:
    // A digest of a whole table, read by the owner: equal before and after means nothing was written.
    std::string tableDigest(const std::string &table);

    std::unique_ptr<inv::PgConnection> m_owner;
    std::unique_ptr<inv::PgConnection> m_operator;
    std::unique_ptr<inv::PgConnection> m_reader;
    std::string m_sku;
    long long m_auditId = 0;
    long long m_runId = 0;
};

void TestRoles::initTestCase()
{
    REQUIRE_SERVICES();
    if (testservices::readerUrl().empty())
        QFAIL("INVENTORY_PG_READER_URL must be set: 'sandbox status' prints it (./test.sh exports it)");
    m_owner = std::make_unique<inv::PgConnection>(testservices::ownerUrl());
    m_operator = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_reader = std::make_unique<inv::PgConnection>(testservices::readerUrl());
    QCOMPARE(m_reader->exec("SELECT current_user").text(0, 0), std::string("inventory_reader"));
    QCOMPARE(m_operator->exec("SELECT current_user").text(0, 0), std::string("inventory_app"));

    // One row in each table, so that every UPDATE and DELETE below has a row it could change.
    m_sku = testservices::uniqueSku("tst-roles");
    m_operator->exec("INSERT INTO inventory (sku, name, stock) VALUES ($1, 'roles test', 5)", {m_sku});
    m_auditId = m_operator
                    ->exec("INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, "
                           "version, reason) VALUES ($1, 'restock', 5, 0, 5, 1, 'roles test') RETURNING id",
                           {m_sku})
                    .int64(0, 0);
    m_runId = m_operator
                  ->exec("INSERT INTO simulation_runs (scenario, strategy, passed, report) VALUES "
                         "('flash-sale', 'versioned', true, '{\"roles_test\": true}') RETURNING id")
                  .int64(0, 0);
}

void TestRoles::cleanupTestCase()
{
    if (m_operator && m_runId > 0)
        m_operator->exec("DELETE FROM simulation_runs WHERE id = $1", {std::to_string(m_runId)});
}

std::string TestRoles::tableDigest(const std::string &table)
{
    return m_owner
        ->exec("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
               "FROM " +
               table + " t")
        .text(0, 0);
}

void TestRoles::readerReads_data()
{
    QTest::addColumn<QByteArray>("table");
    QTest::newRow("inventory") << QByteArray("inventory");
    QTest::newRow("inventory_audit") << QByteArray("inventory_audit");
    QTest::newRow("simulation_runs") << QByteArray("simulation_runs");
}

void TestRoles::readerReads()
{
    QFETCH(QByteArray, table);
    const std::string name = table.toStdString();
    QCOMPARE(m_reader->exec("SELECT count(*) FROM " + name).int64(0, 0),
             m_owner->exec("SELECT count(*) FROM " + name).int64(0, 0));
    QVERIFY(m_reader->exec("SELECT count(*) FROM " + name).int64(0, 0) >= 1);
}

void TestRoles::readerCannotWrite_data()
{
    QTest::addColumn<QByteArray>("table");
    QTest::addColumn<QByteArray>("statement"); // $1: the test's row (its sku or id)
    QTest::addColumn<bool>("keyIsSku");

    QTest::newRow("INSERT inventory") << QByteArray("inventory")
                                      << QByteArray("INSERT INTO inventory (sku, name, stock) VALUES ($1 || "
                                                    "'-reader', 'forged', 1)")
                                      << true;
    QTest::newRow("UPDATE inventory")
        << QByteArray("inventory") << QByteArray("UPDATE inventory SET stock = 999 WHERE sku = $1") << true;
    QTest::newRow("DELETE inventory")
        << QByteArray("inventory") << QByteArray("DELETE FROM inventory WHERE sku = $1") << true;
    QTest::newRow("INSERT inventory_audit")
        << QByteArray("inventory_audit")
        << QByteArray(
               "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version) "
               "VALUES ($1, 'purchase', 1, 5, 4, 2)")
        << true;
    QTest::newRow("UPDATE inventory_audit")
        << QByteArray("inventory_audit")
        << QByteArray("UPDATE inventory_audit SET reason = 'forged' WHERE id = $1") << false;
    QTest::newRow("DELETE inventory_audit")
        << QByteArray("inventory_audit") << QByteArray("DELETE FROM inventory_audit WHERE id = $1") << false;
    QTest::newRow("INSERT simulation_runs")
        << QByteArray("simulation_runs")
        << QByteArray(
               "INSERT INTO simulation_runs (scenario, strategy, passed, report) VALUES ($1, 'x', true, "
               "'{}')")
        << true;
    QTest::newRow("UPDATE simulation_runs")
        << QByteArray("simulation_runs")
        << QByteArray("UPDATE simulation_runs SET passed = false WHERE id = $1") << false;
    QTest::newRow("DELETE simulation_runs")
        << QByteArray("simulation_runs") << QByteArray("DELETE FROM simulation_runs WHERE id = $1") << false;
}

// Refused by the privilege system (42501), and the table is byte for byte what it was.
void TestRoles::readerCannotWrite()
{
    QFETCH(QByteArray, table);
    QFETCH(QByteArray, statement);
    QFETCH(bool, keyIsSku);

    const std::string before = tableDigest(table.toStdString());
    const std::string key =
        keyIsSku ? m_sku : std::to_string(table == "simulation_runs" ? m_runId : m_auditId);
    std::string sqlstate;
    std::string message;
    try {
        m_reader->exec(statement.toStdString(), {key});
    } catch (const inv::DbError &e) {
        sqlstate = e.sqlstate();
        message = e.what();
    }
    QVERIFY2(sqlstate == "42501", (sqlstate + ": " + message).c_str());
    QVERIFY2(message.find("permission denied") != std::string::npos, message.c_str());
    QCOMPARE(tableDigest(table.toStdString()), before);
}

void TestRoles::readerSeesNothingElse_data()
{
    QTest::addColumn<QByteArray>("statement");
    QTest::newRow("schema_migrations") << QByteArray("SELECT count(*) FROM schema_migrations");
    QTest::newRow("cache_repairs") << QByteArray("SELECT count(*) FROM cache_repairs");
    QTest::newRow("the audit log's sequence") << QByteArray("SELECT nextval('inventory_audit_id_seq')");
    QTest::newRow("TRUNCATE inventory_audit") << QByteArray("TRUNCATE inventory_audit");
    QTest::newRow("CREATE TABLE") << QByteArray("CREATE TABLE reader_table (id integer)");
    QTest::newRow("CREATE SCHEMA") << QByteArray("CREATE SCHEMA reader_schema");
    QTest::newRow("temporary table") << QByteArray("CREATE TEMPORARY TABLE reader_temporary (id integer)");
}

void TestRoles::readerSeesNothingElse()
{
    QFETCH(QByteArray, statement);
    const long long auditRows = m_owner->exec("SELECT count(*) FROM inventory_audit").int64(0, 0);
    std::string sqlstate;
    std::string message;
    // In a transaction that is rolled back whatever happens, should a privilege ever be there.
    m_reader->begin();
    try {
        m_reader->exec(statement.toStdString());
    } catch (const inv::DbError &e) {
        sqlstate = e.sqlstate();
        message = e.what();
    }
    m_reader->rollback();
    QVERIFY2(sqlstate == "42501", (sqlstate + ": " + message).c_str());
    QCOMPARE(m_owner->exec("SELECT count(*) FROM inventory_audit").int64(0, 0), auditRows);
}

void TestRoles::operatorChangesStockAndAppendsToTheAuditLog()
{
    const auto before = testservices::auditTotals(*m_operator, m_sku);
    m_operator->begin();
    const auto changed = m_operator->exec("UPDATE inventory SET stock = stock - 2, version = version + 1, "
                                          "updated_at = now() WHERE sku = $1 RETURNING stock, version",
                                          {m_sku});
    m_operator->exec(
        "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, "
        "reason) VALUES ($1, 'purchase', 2, 5, 3, $2, 'roles test')",
        {m_sku, changed.text(0, 1)});
    m_operator->commit();
    QCOMPARE(changed.int32(0, 0), 3);
    QCOMPARE(testservices::dbStock(*m_owner, m_sku), 3);
    const auto after = testservices::auditTotals(*m_owner, m_sku);
    QCOMPARE(after.rows, before.rows + 1);
    QCOMPARE(after.purchased, before.purchased + 2);
    // The operator is no superuser and owns none of the tables it writes.
    QCOMPARE(
        m_operator
            ->exec("SELECT r.rolsuper::text || count(c.oid) FROM pg_roles r LEFT JOIN pg_class c ON "
                   "c.relowner = r.oid AND c.relname IN ('inventory', 'inventory_audit', 'simulation_runs') "
                   "WHERE r.rolname = current_user GROUP BY r.rolsuper")
            .text(0, 0),
        std::string("false0"));
}

QTEST_GUILESS_MAIN(TestRoles)
#include "tst_roles.moc"
