// Migrations and the constraints they install, against the real PostgreSQL: apply is idempotent and
// safe to run from several processes at once, the audit log is append-only, and the inventory table
// refuses what the application would refuse too. Rows are created with unique SKUs and never deleted
// from inventory_audit.
#include "db/migrations.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <array>
#include <atomic>
#include <cctype>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using testservices::ownerUrl;

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void applyIsIdempotent();
    void concurrentApply_data();
    void concurrentApply();
    void auditLogRefusesChanges_data();
    void auditLogRefusesChanges();
    void inventoryChecksItsRows_data();
    void inventoryChecksItsRows();
    void stockCannotBeUpdatedBelowZero();
    void auditActionIsChecked();
    void applicationRoleCannotRewriteTheAuditLog_data();
    void applicationRoleCannotRewriteTheAuditLog();
    void reversalLinksAreBackfilled();

private:
    std::string newProduct(int stock);
    std::string auditRow(long long id);
    static std::string sqlstateOf(inv::PgConnection &db, const std::string &sql,
                                  const std::vector<inv::PgParam> &params);

    // The application's connection (INVENTORY_PG_URL) and the schema owner's, which the sandbox
    // exports as INVENTORY_PG_OWNER_URL for migrations and for tests that need DDL.
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::PgConnection> m_owner;
    std::vector<std::string> m_products;
    std::vector<std::string> m_schemas;
};

void TestMigrations::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_owner = std::make_unique<inv::PgConnection>(ownerUrl());
    inv::Migrations::apply(*m_owner);
}

void TestMigrations::cleanupTestCase()
{
    if (!m_db)
        return;
    // Products that never got an audit row can go; the others stay, as the audit log needs them.
    for (const auto &sku : m_products)
        m_db->exec("DELETE FROM inventory i WHERE sku = $1 AND NOT EXISTS "
                   "(SELECT 1 FROM inventory_audit a WHERE a.sku = i.sku)",
                   {sku});
    // Private schemas hold private copies of the tables; dropping them touches no shared row.
    for (const auto &schema : m_schemas)
        m_owner->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

std::string TestMigrations::newProduct(int stock)
{
    const std::string sku = testservices::uniqueSku("tst-migrations");
    m_db->exec("INSERT INTO inventory (sku, name, stock) VALUES ($1, 'migration test', $2)",
               {sku, std::to_string(stock)});
    m_products.push_back(sku);
    return sku;
}

std::string TestMigrations::auditRow(long long id)
{
    return m_db->exec("SELECT row(a.*)::text FROM inventory_audit a WHERE id = $1", {std::to_string(id)})
        .text(0, 0);
}

// The SQLSTATE a statement fails with, or "" if it succeeds.
std::string TestMigrations::sqlstateOf(inv::PgConnection &db, const std::string &sql,
                                       const std::vector<inv::PgParam> &params)
{
    try {
        db.exec(sql, params);
        return {};
    } catch (const inv::DbError &e) {
        return e.sqlstate();
    }
}

void TestMigrations::applyIsIdempotent()
{
    QCOMPARE(inv::Migrations::apply(*m_db), 0);
    QCOMPARE(inv::Migrations::apply(*m_db), 0);
    QVERIFY(!m_db->inTransaction());
    QCOMPARE(inv::Migrations::currentVersion(*m_db), inv::Migrations::latestVersion());
    // Each version is recorded once.
    auto r = m_db->exec("SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations");
    QCOMPARE(r.int64(0, 0), r.int64(0, 1));
    QCOMPARE(r.int32(0, 2), inv::Migrations::latestVersion());
}

void TestMigrations::concurrentApply_data()
{
    QTest::addColumn<bool>("freshSchema");
    QTest::newRow("already migrated database") << false;
    QTest::newRow("fresh schema") << true;
}

// Four servers starting at once each migrate; the advisory lock lets one do the work.
void TestMigrations::concurrentApply()
{
    QFETCH(bool, freshSchema);

    std::string schema;
    if (freshSchema) {
        schema = "tst_migrations_";
        for (char c : testservices::uniqueSku("s"))
            schema += std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(c)) : '_';
        m_owner->exec("CREATE SCHEMA " + schema);
        m_schemas.push_back(schema);
    }

    constexpr int kThreads = 4;
    std::array<int, kThreads> applied{};
    std::array<std::string, kThreads> errors;
    std::latch ready(kThreads);
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                bool arrived = false;
                try {
                    inv::PgConnection connection(schema.empty() ? testservices::pgUrl() : ownerUrl());
                    if (!schema.empty())
                        connection.exec("SET search_path TO " + schema);
                    arrived = true;
                    ready.arrive_and_wait();
                    applied[i] = inv::Migrations::apply(connection);
                } catch (const std::exception &e) {
                    errors[i] = e.what();
                    if (!arrived)
                        ready.count_down(); // so that the others do not wait for this one forever
                }
            });
        }
    }
    for (const auto &error : errors)
        QVERIFY2(error.empty(), error.c_str());

    int total = 0;
    for (int n : applied)
        total += n;

    inv::PgConnection check(schema.empty() ? testservices::pgUrl() : ownerUrl());
    if (!schema.empty()) {
        check.exec("SET search_path TO " + schema);
        QCOMPARE(total, inv::Migrations::latestVersion());
        QCOMPARE(check.exec("SELECT count(*) FROM schema_migrations").int32(0, 0),
                 inv::Migrations::latestVersion());
        // The tables really are in the private schema, not the shared one.
        QCOMPARE(check
                     .exec("SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN "
                           "('inventory', 'inventory_audit', 'schema_migrations')",
                           {schema})
                     .int32(0, 0),
                 3);
    } else {
        QCOMPARE(total, 0);
    }
    QCOMPARE(inv::Migrations::currentVersion(check), inv::Migrations::latestVersion());
}

void TestMigrations::auditLogRefusesChanges_data()
{
    QTest::addColumn<QByteArray>("statement");
    QTest::addColumn<bool>("inRolledBackTransaction");

    QTest::newRow("UPDATE") << QByteArray("UPDATE inventory_audit SET quantity = quantity + 1 WHERE id = $1")
                            << false;
    QTest::newRow("UPDATE of the reason")
        << QByteArray("UPDATE inventory_audit SET reason = 'forged' WHERE id = $1") << false;
    QTest::newRow("DELETE") << QByteArray("DELETE FROM inventory_audit WHERE id = $1") << false;
    // Should the trigger ever be missing, a TRUNCATE would empty every test's audit rows: keep it in a
    // transaction that is rolled back whatever happens.
    QTest::newRow("TRUNCATE") << QByteArray("TRUNCATE inventory_audit") << true;
}

void TestMigrations::auditLogRefusesChanges()
{
    QFETCH(QByteArray, statement);
    QFETCH(bool, inRolledBackTransaction);

    const std::string sku = newProduct(5);
    const long long id = testservices::appendAudit(*m_db, sku, "restock", 5, "migration test");
    const std::string before = auditRow(id);
    const auto totalsBefore = testservices::auditTotals(*m_db, sku);
    const long long rowsBefore = m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0);

    std::vector<inv::PgParam> params;
    if (statement.contains("$1"))
        params.push_back(std::to_string(id));
    // As the table's owner, who holds every privilege: the trigger must refuse even this role.
    std::string sqlstate;
    std::string message;
    if (inRolledBackTransaction)
        m_owner->begin();
    try {
        m_owner->exec(statement.toStdString(), params);
    } catch (const inv::DbError &e) {
        sqlstate = e.sqlstate();
        message = e.what();
    }
    if (inRolledBackTransaction)
        m_owner->rollback();

    QCOMPARE(sqlstate, std::string("42501"));
    QVERIFY2(message.find("append-only") != std::string::npos, message.c_str());
    QCOMPARE(auditRow(id), before);
    const auto totalsAfter = testservices::auditTotals(*m_db, sku);
    QCOMPARE(totalsAfter.rows, totalsBefore.rows);
    QCOMPARE(totalsAfter.restocked, totalsBefore.restocked);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0), rowsBefore);
}

void TestMigrations::inventoryChecksItsRows_data()
{
    QTest::addColumn<int>("skuBytes");
    QTest::addColumn<bool>("twoByteCharacters");
    QTest::addColumn<int>("stock");
    QTest::addColumn<QByteArray>("sqlstate"); // empty: the row is stored

    QTest::newRow("zero stock") << 24 << false << 0 << QByteArray();
    QTest::newRow("negative stock") << 24 << false << -1 << QByteArray("23514");
    QTest::newRow("64-byte SKU") << 64 << false << 1 << QByteArray();
    QTest::newRow("65-byte SKU") << 65 << false << 1 << QByteArray("23514");
    QTest::newRow("64 bytes of two-byte characters") << 64 << true << 1 << QByteArray();
    QTest::newRow("66 bytes of two-byte characters") << 66 << true << 1 << QByteArray("23514");
    QTest::newRow("empty SKU") << 0 << false << 1 << QByteArray("23514");
}

void TestMigrations::inventoryChecksItsRows()
{
    QFETCH(int, skuBytes);
    QFETCH(bool, twoByteCharacters);
    QFETCH(int, stock);
    QFETCH(QByteArray, sqlstate);

    // A unique ASCII start, filled up to the exact byte length; the database counts bytes, not characters.
    std::string sku;
    if (skuBytes > 0) {
        sku = testservices::uniqueSku("m");
        QVERIFY(int(sku.size()) <= 24);
        if (twoByteCharacters && (skuBytes - int(sku.size())) % 2 != 0)
            sku += 'x';
        while (int(sku.size()) < skuBytes)
            sku += twoByteCharacters ? "\xc3\xa9" : "x";
    }
    QCOMPARE(int(sku.size()), skuBytes);

    const std::string observed =
        sqlstateOf(*m_db, "INSERT INTO inventory (sku, name, stock) VALUES ($1, 'migration test', $2)",
                   {sku, std::to_string(stock)});
    if (observed.empty())
        m_products.push_back(sku);
    QCOMPARE(QByteArray::fromStdString(observed), sqlstate);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory WHERE sku = $1", {sku}).int64(0, 0),
             sqlstate.isEmpty() ? 1LL : 0LL);
}

void TestMigrations::stockCannotBeUpdatedBelowZero()
{
    const std::string sku = newProduct(3);
    QCOMPARE(sqlstateOf(*m_db, "UPDATE inventory SET stock = stock - 5, version = version + 1 WHERE sku = $1",
                        {sku}),
             std::string("23514"));
    auto r = m_db->exec("SELECT stock, version FROM inventory WHERE sku = $1", {sku});
    QCOMPARE(r.int32(0, 0), 3);
    QCOMPARE(r.int64(0, 1), 1LL);
}

void TestMigrations::auditActionIsChecked()
{
    const std::string sku = newProduct(1);
    const std::string insert =
        "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, "
        "version) VALUES ($1, $2, 1, 1, 0, 2)";
    QCOMPARE(sqlstateOf(*m_db, insert, {sku, std::string("steal")}), std::string("23514"));
    // The audit log only refers to products that exist.
    QCOMPARE(sqlstateOf(*m_db, insert, {testservices::uniqueSku("tst-missing"), std::string("purchase")}),
             std::string("23503"));
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 0LL);
}

void TestMigrations::applicationRoleCannotRewriteTheAuditLog_data()
{
    // Statements run one after the other in a transaction that is rolled back whatever happens.
    QTest::addColumn<QStringList>("statements");

    const QString disable = QStringLiteral("ALTER TABLE inventory_audit DISABLE TRIGGER ALL");
    QTest::newRow("DISABLE TRIGGER ALL, then DELETE")
        << QStringList{disable, QStringLiteral("DELETE FROM inventory_audit WHERE id = $1")};
    QTest::newRow("DISABLE TRIGGER, then UPDATE") << QStringList{
        QStringLiteral("ALTER TABLE inventory_audit DISABLE TRIGGER inventory_audit_append_only"),
        QStringLiteral("UPDATE inventory_audit SET reason = 'forged' WHERE id = $1")};
    QTest::newRow("DELETE") << QStringList{QStringLiteral("DELETE FROM inventory_audit WHERE id = $1")};
    QTest::newRow("UPDATE") << QStringList{
        QStringLiteral("UPDATE inventory_audit SET quantity = quantity + 1 WHERE id = $1")};
    QTest::newRow("TRUNCATE") << QStringList{QStringLiteral("TRUNCATE inventory_audit")};
    QTest::newRow("DROP TRIGGER") << QStringList{
        QStringLiteral("DROP TRIGGER inventory_audit_append_only ON inventory_audit")};
    QTest::newRow("replica role skips triggers")
        << QStringList{QStringLiteral("SET LOCAL session_replication_role = replica"),
                       QStringLiteral("DELETE FROM inventory_audit WHERE id = $1")};
    QTest::newRow("take ownership") << QStringList{
        QStringLiteral("ALTER TABLE inventory_audit OWNER TO CURRENT_USER")};
    QTest::newRow("replace the trigger function")
        << QStringList{QStringLiteral("CREATE OR REPLACE FUNCTION inventory_audit_refuse_change() RETURNS "
                                      "trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$")};
}

// The application's own role (INVENTORY_PG_URL) is no superuser and does not own the audit log, so
// append-only holds even against SQL run with the application's credentials.
void TestMigrations::applicationRoleCannotRewriteTheAuditLog()
{
    QFETCH(QStringList, statements);

    const std::string sku = newProduct(5);
    const long long id = testservices::appendAudit(*m_db, sku, "restock", 5, "privilege test");
    const std::string row = auditRow(id);
    const long long rowsBefore = m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0);

    inv::PgConnection app(testservices::pgUrl());
    std::string failed;
    std::string sqlstate;
    std::string message;
    app.begin();
    for (const QString &statement : statements) {
        const std::string sql = statement.toStdString();
        std::vector<inv::PgParam> params;
        if (sql.find("$1") != std::string::npos)
            params.push_back(std::to_string(id));
        try {
            app.exec(sql, params);
        } catch (const inv::DbError &e) {
            failed = sql;
            sqlstate = e.sqlstate();
            message = e.what();
            break;
        }
    }
    app.rollback();

    // The first statement is refused by the privilege system itself, not by the trigger.
    QCOMPARE(QString::fromStdString(failed), statements.first());
    QCOMPARE(sqlstate, std::string("42501"));
    QVERIFY2(message.find("append-only") == std::string::npos, message.c_str());
    QVERIFY2(message.find("permission denied") != std::string::npos ||
                 message.find("must be owner") != std::string::npos,
             message.c_str());
    QCOMPARE(auditRow(id), row);
    QCOMPARE(m_db->exec("SELECT count(*) FROM inventory_audit").int64(0, 0), rowsBefore);
    const auto role = m_db->exec("SELECT r.rolsuper, c.relowner = r.oid FROM pg_roles r, pg_class c "
                                 "WHERE r.rolname = current_user AND c.oid = 'inventory_audit'::regclass");
    QCOMPARE(role.text(0, 0), std::string("f"));
    QCOMPARE(role.text(0, 1), std::string("f"));
}

// A database migrated before reversals were linked: the program's old reversals (request id
// 'reverses-#N' and reason 'reverses #N: …', undoing row N) get their link, look-alikes do not, and
// the audit log is append-only again afterwards.
void TestMigrations::reversalLinksAreBackfilled()
{
    std::string schema = "tst_migrations_";
    for (char c : testservices::uniqueSku("r"))
        schema += std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(c)) : '_';
    m_owner->exec("CREATE SCHEMA " + schema);
    m_schemas.push_back(schema);
    inv::PgConnection db(ownerUrl());
    db.exec("SET search_path TO " + schema);
    QCOMPARE(inv::Migrations::apply(db, 4), 4);

    db.exec("INSERT INTO inventory (sku, name, stock) VALUES ('s', 'backfill', 20)");
    const auto row = [&](const std::string &action, int quantity, int before, int after,
                         const std::string &reason, const std::string &requestId) {
        return db
            .exec("INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, "
                  "reason, request_id) VALUES ('s', $1, $2, $3, $4, 1, $5, $6) RETURNING id",
                  {action, std::to_string(quantity), std::to_string(before), std::to_string(after),
                   reason.empty() ? inv::PgParam() : inv::PgParam(reason),
                   requestId.empty() ? inv::PgParam() : inv::PgParam(requestId)})
            .int64(0, 0);
    };
    const auto sold = row("purchase", 3, 20, 17, "wrong size", "");
    const auto undone = row("restock", 3, 17, 20, "reverses #" + std::to_string(sold) + ": wrong size",
                            "reverses-#" + std::to_string(sold));
    const auto other = row("purchase", 2, 20, 18, "", "");
    // An operator's restock with the program's request id, but not undoing the row's change.
    const auto typedId = row("restock", 5, 18, 23, "reverses #" + std::to_string(other) + ": nothing",
                             "reverses-#" + std::to_string(other));
    const auto third = row("purchase", 1, 23, 22, "", "");
    const auto typedReason =
        row("restock", 1, 22, 23, "reverses #" + std::to_string(third) + ": nothing", "");

    QCOMPARE(inv::Migrations::apply(db), inv::Migrations::latestVersion() - 4);
    const auto links = db.exec("SELECT id, reverses FROM inventory_audit WHERE reverses IS NOT NULL");
    QCOMPARE(links.rows(), 1);
    QCOMPARE(links.int64(0, 0), undone);
    QCOMPARE(links.int64(0, 1), sold);
    QCOMPARE(db.exec("SELECT count(*) FROM inventory_audit WHERE reverses IS NULL AND id IN ($1, $2)",
                     {std::to_string(typedId), std::to_string(typedReason)})
                 .int64(0, 0),
             2LL);
    // One reversal per row, and the trigger is back on.
    QCOMPARE(sqlstateOf(db,
                        "INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, "
                        "version, reverses) VALUES ('s', 'restock', 3, 23, 26, 2, $1)",
                        {std::to_string(sold)}),
             std::string("23505"));
    QCOMPARE(
        sqlstateOf(db, "UPDATE inventory_audit SET reverses = NULL WHERE id = $1", {std::to_string(undone)}),
        std::string("42501"));
}

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
