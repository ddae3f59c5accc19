// Least privilege against the real PostgreSQL: the read-only role (INVENTORY_PG_READER_URL) reads
// the stock, the audit log and the simulation history and may change none of them, nor read
// anything else; the operator role (INVENTORY_PG_URL), which the console and the simulations use,
// changes the stock and appends to the audit log. That the operator and the owner cannot rewrite
// the audit log is tst_migrations' part. Every refused write is checked against the table itself.
#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/sandbox.h"
#include "testservices.h"

#include <QTest>

#include <memory>
#include <random>
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
    void operatorCannotForgeTheLedger_data();
    void operatorCannotForgeTheLedger();
    void operatorCannotCreateSchemas();
    void ownerSetupIgnoresALookAlikeSchema();

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
    m_operator->exec("INSERT INTO inventory (sku, name, stock) VALUES ($1, 'roles test', 0)", {m_sku});
    m_auditId = testservices::appendAudit(*m_operator, m_sku, "restock", 5, "roles test");
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
                   // A simulation's own schema (sim_…) is the operator's; a run that could not
                   // delete its Redis keys leaves it for a later cleanup.
                   "AND c.relnamespace::regnamespace::text NOT LIKE 'sim\\_%' "
                   "WHERE r.rolname = current_user GROUP BY r.rolsuper")
            .text(0, 0),
        std::string("false0"));
}

void TestRoles::operatorCannotForgeTheLedger_data()
{
    QTest::addColumn<QByteArray>("change");
    QTest::addColumn<QByteArray>("row");
    QTest::addColumn<QByteArray>("sqlstate");
    const QByteArray none;
    // No change of the product at all, with a version far ahead.
    QTest::newRow("no change") << none << QByteArray("'restock', 500, 10, 510, 999, 'forged'")
                               << QByteArray("23000");
    // A change, but the row claims a version the product has not reached.
    QTest::newRow("version ahead") << QByteArray("UPDATE inventory SET version = version + 1 WHERE sku = $1")
                                   << QByteArray("'restock', 0, 5, 5, 999, 'forged'") << QByteArray("23000");
    // A change to 510 recorded as a restock of 500 from 10, while the row before ended elsewhere.
    QTest::newRow("broken chain")
        << QByteArray("UPDATE inventory SET stock = 510, version = version + 1 WHERE sku = $1")
        << QByteArray("'restock', 500, 10, 510, (SELECT version FROM inventory WHERE sku = $1), 'forged'")
        << QByteArray("23000");
    // Arithmetic that does not add up.
    QTest::newRow("arithmetic")
        << QByteArray("UPDATE inventory SET stock = 7, version = version + 1 WHERE sku = $1")
        << QByteArray("'restock', 500, 5, 7, (SELECT version FROM inventory WHERE sku = $1), "
                      "'forged'")
        << QByteArray("23514");
}

void TestRoles::operatorCannotForgeTheLedger()
{
    QFETCH(QByteArray, change);
    QFETCH(QByteArray, row);
    QFETCH(QByteArray, sqlstate);
    const std::string audit = tableDigest("inventory_audit");
    const std::string stock = tableDigest("inventory");
    std::string refused;
    try {
        m_operator->begin();
        if (!change.isEmpty())
            m_operator->exec(change.toStdString(), {m_sku});
        m_operator->exec("INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, "
                         "version, reason) VALUES ($1, " +
                             row.toStdString() + ")",
                         {m_sku});
        m_operator->commit();
    } catch (const inv::DbError &e) {
        refused = e.sqlstate();
    }
    m_operator->rollback();
    QCOMPARE(refused, sqlstate.toStdString());
    QCOMPARE(tableDigest("inventory_audit"), audit);
    QCOMPARE(tableDigest("inventory"), stock);
}

void TestRoles::operatorCannotCreateSchemas()
{
    // A schema named after the owner would come first on the owner's default search path.
    std::string sqlstate;
    try {
        m_operator->exec("CREATE SCHEMA inventory_owner");
    } catch (const inv::DbError &e) {
        sqlstate = e.sqlstate();
    }
    QCOMPARE(sqlstate, std::string("42501"));
    QCOMPARE(m_owner->exec("SELECT count(*) FROM pg_namespace WHERE nspname = 'inventory_owner'").int64(0, 0),
             0LL);
    // Simulation schemas come from the owner's function, and only those.
    const std::string space = "sim_roles_" + std::to_string(std::random_device{}() % 1000000);
    m_operator->exec("SELECT public.inventory_create_simulation_space($1)", {space});
    QCOMPARE(m_operator->exec("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", {space})
                 .text(0, 0),
             std::string("inventory_app"));
    m_operator->exec("DROP SCHEMA " + space);
    sqlstate.clear();
    try {
        m_operator->exec("SELECT public.inventory_create_simulation_space('inventory_owner')");
    } catch (const inv::DbError &e) {
        sqlstate = e.sqlstate();
    }
    QCOMPARE(sqlstate, std::string("22023"));
}

void TestRoles::ownerSetupIgnoresALookAlikeSchema()
{
    // A schema named after the owner, holding its own inventory_audit, is first on the owner's
    // default search path. The sandbox's set-up must still grant and revoke on the real tables.
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty())
        QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
    m_owner->exec("CREATE SCHEMA inventory_owner");
    m_owner->exec("CREATE TABLE inventory_owner.inventory_audit (id int)");
    std::string failure;
    try {
        inv::Sandbox(dir).start();
    } catch (const std::exception &e) {
        failure = e.what();
    }
    m_owner->exec("DROP SCHEMA inventory_owner CASCADE");
    QVERIFY2(failure.empty(), failure.c_str());
    const auto privileges = m_owner->exec(
        "SELECT has_table_privilege('inventory_app', 'public.inventory_audit', 'UPDATE')::text || "
        "has_table_privilege('inventory_app', 'public.inventory_audit', 'DELETE')::text || "
        "has_table_privilege('inventory_app', 'public.inventory_audit', 'INSERT')::text");
    QCOMPARE(privileges.text(0, 0), std::string("falsefalsetrue"));
}

QTEST_GUILESS_MAIN(TestRoles)
#include "tst_roles.moc"
