// PgPool and PgConnection against the real PostgreSQL: bounded waits, leases that roll back what they
// leave open, SQLSTATEs carried by DbError, reconnection after the server drops a connection, and the
// refusal to move a connection in the middle of a transaction.
#include "db/pgconnection.h"
#include "db/pgpool.h"
#include "errors.h"
#include "testservices.h"

#include <QTest>

#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;

class TestPgPool : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void acquireTimesOutWhileTheOnlyConnectionIsLeased();
    void releasedConnectionIsReused();
    void waitingAcquireGetsTheReleasedConnection();
    void leaseRollsBackAnOpenTransaction();
    void transactionCommitsOnlyWhenAsked();
    void errorsCarryTheirSqlstate_data();
    void errorsCarryTheirSqlstate();
    void reconnectsAfterTheBackendIsTerminated();
    void idempotentStatementIsRetriedOnANewBackend();
    void commitOnATerminatedConnectionWritesNothing();
    void connectionWithOpenTransactionCannotBeMoved();

private:
    std::string sql(std::string text) const;
    long long rowsWithId(int id);
    static int backendPid(inv::PgConnection &connection);
    void terminate(int pid);

    std::unique_ptr<inv::PgConnection> m_admin;
    // The schema owner's connection (INVENTORY_PG_OWNER_URL), for the test table's DDL: the
    // application's role may not create tables.
    std::unique_ptr<inv::PgConnection> m_owner;
    std::string m_table;
};

namespace {
using Clock = std::chrono::steady_clock;

long long msSince(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// What another thread saw when it called acquire(): PoolTimeout or a connection, and how long it took.
struct AcquireOutcome
{
    bool timedOut = false;
    bool leased = false;
    std::string error;
    long long elapsedMs = 0;
};

AcquireOutcome acquireFromAnotherThread(inv::PgPool &pool)
{
    AcquireOutcome outcome;
    std::jthread worker([&] {
        const auto start = Clock::now();
        try {
            auto lease = pool.acquire();
            outcome.leased = true;
        } catch (const inv::PoolTimeout &e) {
            outcome.timedOut = true;
            outcome.error = e.what();
        } catch (const std::exception &e) {
            outcome.error = e.what();
        }
        outcome.elapsedMs = msSince(start);
    });
    worker.join();
    return outcome;
}
} // namespace

void TestPgPool::initTestCase()
{
    REQUIRE_SERVICES();
    m_admin = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    // A table of our own, named uniquely per run; identifiers allow only [a-z0-9_] unquoted.
    m_table = "tst_pgpool_";
    for (char c : testservices::uniqueSku("t"))
        m_table += std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(c)) : '_';
    m_owner = std::make_unique<inv::PgConnection>(testservices::ownerUrl());
    m_owner->exec(sql("CREATE TABLE {t} (id integer PRIMARY KEY, note text NOT NULL)"));
    m_owner->exec(sql("GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO PUBLIC"));
}

void TestPgPool::cleanupTestCase()
{
    if (m_owner && !m_table.empty())
        m_owner->exec(sql("DROP TABLE IF EXISTS {t}"));
}

std::string TestPgPool::sql(std::string text) const
{
    for (auto at = text.find("{t}"); at != std::string::npos; at = text.find("{t}"))
        text.replace(at, 3, m_table);
    return text;
}

long long TestPgPool::rowsWithId(int id)
{
    return m_admin->exec(sql("SELECT count(*) FROM {t} WHERE id = $1"), {std::to_string(id)}).int64(0, 0);
}

int TestPgPool::backendPid(inv::PgConnection &connection)
{
    return connection.exec("SELECT pg_backend_pid()").int32(0, 0);
}

void TestPgPool::terminate(int pid)
{
    // The timeout makes the server wait until the backend is really gone.
    auto r = m_admin->exec("SELECT pg_terminate_backend($1::integer, 5000)", {std::to_string(pid)});
    QCOMPARE(r.text(0, 0), std::string("t"));
}

void TestPgPool::acquireTimesOutWhileTheOnlyConnectionIsLeased()
{
    inv::PgPool pool(testservices::pgUrl(), 1, 200ms);
    auto lease = pool.acquire();

    const AcquireOutcome outcome = acquireFromAnotherThread(pool);
    QVERIFY2(outcome.timedOut, outcome.error.c_str());
    QVERIFY2(!outcome.leased, "got a second connection from a pool of one");
    QVERIFY2(outcome.elapsedMs >= 195, std::to_string(outcome.elapsedMs).c_str());
    QVERIFY2(outcome.elapsedMs < 2000, std::to_string(outcome.elapsedMs).c_str());
    QVERIFY2(outcome.error.find("200 ms") != std::string::npos, outcome.error.c_str());
    QCOMPARE(pool.opened(), 1);
    // The holder's connection still works after the other thread gave up.
    QCOMPARE(lease->exec("SELECT 1").int32(0, 0), 1);
}

void TestPgPool::releasedConnectionIsReused()
{
    inv::PgPool pool(testservices::pgUrl(), 1, 200ms);
    int pid = 0;
    {
        auto lease = pool.acquire();
        pid = backendPid(*lease);
    }
    const AcquireOutcome outcome = acquireFromAnotherThread(pool);
    QVERIFY2(outcome.leased, outcome.error.c_str());
    QVERIFY(outcome.elapsedMs < 200);

    auto lease = pool.acquire();
    QCOMPARE(backendPid(*lease), pid);
    QCOMPARE(pool.opened(), 1);
}

void TestPgPool::waitingAcquireGetsTheReleasedConnection()
{
    inv::PgPool pool(testservices::pgUrl(), 1, 5s);
    auto held = std::make_optional(pool.acquire());
    const int pid = backendPid(**held);

    std::jthread releaser([&] {
        std::this_thread::sleep_for(50ms);
        held.reset();
    });
    const auto start = Clock::now();
    auto lease = pool.acquire();
    const long long waited = msSince(start);
    releaser.join();

    QVERIFY2(waited >= 40, std::to_string(waited).c_str());
    QVERIFY2(waited < 2000, std::to_string(waited).c_str());
    QCOMPARE(backendPid(*lease), pid);
}

void TestPgPool::leaseRollsBackAnOpenTransaction()
{
    inv::PgPool pool(testservices::pgUrl(), 1, 1s);
    int pid = 0;
    {
        auto lease = pool.acquire();
        pid = backendPid(*lease);
        lease->begin();
        lease->exec(sql("INSERT INTO {t} (id, note) VALUES (1, 'left uncommitted')"));
        QVERIFY(lease->inTransaction());
        QVERIFY(!lease->exec("SELECT txid_current_if_assigned()").isNull(0, 0));
        QCOMPARE(rowsWithId(1), 0LL); // not visible to others before commit
    }
    auto lease = pool.acquire();
    QCOMPARE(backendPid(*lease), pid); // the same session, so the server's view below is about it
    QVERIFY(!lease->inTransaction());
    // Outside a transaction block the server has no transaction id to report.
    QVERIFY(lease->exec("SELECT txid_current_if_assigned()").isNull(0, 0));
    QCOMPARE(lease
                 ->exec("SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND "
                        "backend_xid IS NOT NULL")
                 .int64(0, 0),
             0LL);
    QCOMPARE(rowsWithId(1), 0LL);
    QCOMPARE(lease->exec(sql("SELECT count(*) FROM {t} WHERE id = 1")).int64(0, 0), 0LL);
}

void TestPgPool::transactionCommitsOnlyWhenAsked()
{
    inv::PgConnection connection(testservices::pgUrl());
    {
        inv::PgTransaction tx(connection);
        connection.exec(sql("INSERT INTO {t} (id, note) VALUES (2, 'rolled back')"));
    }
    QVERIFY(!connection.inTransaction());
    QCOMPARE(rowsWithId(2), 0LL);
    {
        inv::PgTransaction tx(connection);
        connection.exec(sql("INSERT INTO {t} (id, note) VALUES (3, 'committed')"));
        tx.commit();
    }
    QVERIFY(!connection.inTransaction());
    QCOMPARE(rowsWithId(3), 1LL);
}

void TestPgPool::errorsCarryTheirSqlstate_data()
{
    QTest::addColumn<QByteArray>("statement");
    QTest::addColumn<QByteArray>("sqlstate");

    QTest::newRow("unique violation")
        << QByteArray("INSERT INTO {t} (id, note) VALUES (100, 'a'), (100, 'b')") << QByteArray("23505");
    QTest::newRow("not-null violation")
        << QByteArray("INSERT INTO {t} (id, note) VALUES (100, NULL)") << QByteArray("23502");
    QTest::newRow("syntax error") << QByteArray("SELEC 1") << QByteArray("42601");
    QTest::newRow("division by zero") << QByteArray("SELECT 1 / 0") << QByteArray("22012");
    QTest::newRow("undefined table") << QByteArray("SELECT * FROM {t}_missing") << QByteArray("42P01");
    QTest::newRow("invalid integer") << QByteArray("SELECT 'abc'::integer") << QByteArray("22P02");
}

void TestPgPool::errorsCarryTheirSqlstate()
{
    QFETCH(QByteArray, statement);
    QFETCH(QByteArray, sqlstate);

    inv::PgPool pool(testservices::pgUrl(), 1, 1s);
    auto lease = pool.acquire();
    const int pid = backendPid(*lease);
    try {
        lease->exec(sql(statement.toStdString()));
        QFAIL("the statement succeeded");
    } catch (const inv::DbError &e) {
        QCOMPARE(QByteArray::fromStdString(e.sqlstate()), sqlstate);
        QVERIFY2(!e.isConnectionFailure(), e.what());
        QVERIFY(std::string(e.what()).size() > 0);
    }
    // A statement error leaves the session usable: no reconnect, nothing written.
    QVERIFY(lease->isHealthy());
    QCOMPARE(backendPid(*lease), pid);
    QCOMPARE(rowsWithId(100), 0LL);
}

void TestPgPool::reconnectsAfterTheBackendIsTerminated()
{
    inv::PgConnection victim(testservices::pgUrl());
    const int pid = backendPid(victim);
    terminate(pid);

    // The first statement finds the connection gone; it is reported, not retried behind the caller's back.
    try {
        victim.exec("SELECT 1");
        QFAIL("a statement on a terminated backend succeeded");
    } catch (const inv::DbError &e) {
        QVERIFY2(e.isConnectionFailure(), (e.sqlstate() + ": " + e.what()).c_str());
    }
    QVERIFY(!victim.isHealthy());

    // The next one reconnects first, to a new backend.
    QCOMPARE(victim.exec("SELECT 42").int32(0, 0), 42);
    QVERIFY(victim.isHealthy());
    const int newPid = backendPid(victim);
    QVERIFY(newPid != pid);
    QCOMPARE(m_admin->exec("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", {std::to_string(pid)})
                 .int64(0, 0),
             0LL);
}

void TestPgPool::idempotentStatementIsRetriedOnANewBackend()
{
    // execIdempotent() runs a statement again on a new backend when the old one was ended under it...
    inv::PgConnection reader(testservices::pgUrl());
    const int pid = backendPid(reader);
    terminate(pid);
    QCOMPARE(reader.execIdempotent("SELECT 7").int32(0, 0), 7);
    QVERIFY(backendPid(reader) != pid);
    // ...but not inside a transaction, whose work went with the backend.
    reader.begin();
    terminate(backendPid(reader));
    QVERIFY_THROWS_EXCEPTION(inv::DbError, reader.execIdempotent("SELECT 8"));
    QVERIFY(!reader.inTransaction());
    // Nor a statement that fails for itself.
    try {
        reader.execIdempotent("SELECT 1/0");
        QFAIL("a division by zero succeeded");
    } catch (const inv::DbError &e) {
        QCOMPARE(e.sqlstate(), std::string("22012"));
    }
}

void TestPgPool::commitOnATerminatedConnectionWritesNothing()
{
    inv::PgConnection victim(testservices::pgUrl());
    victim.begin();
    victim.exec(sql("INSERT INTO {t} (id, note) VALUES (4, 'lost with the backend')"));
    terminate(backendPid(victim));

    try {
        victim.commit();
        QFAIL("COMMIT on a terminated backend succeeded");
    } catch (const inv::DbError &e) {
        QVERIFY2(e.isConnectionFailure(), (e.sqlstate() + ": " + e.what()).c_str());
    }
    QVERIFY(!victim.inTransaction());
    QCOMPARE(rowsWithId(4), 0LL);
    // And the connection recovers for the next statement.
    QCOMPARE(victim.exec("SELECT 1").int32(0, 0), 1);
}

void TestPgPool::connectionWithOpenTransactionCannotBeMoved()
{
    inv::PgConnection connection(testservices::pgUrl());
    connection.begin();
    connection.exec(sql("INSERT INTO {t} (id, note) VALUES (5, 'in flight')"));

    QVERIFY_THROWS_EXCEPTION(inv::Error, inv::PgConnection moved(std::move(connection)));
    inv::PgConnection other(testservices::pgUrl());
    QVERIFY_THROWS_EXCEPTION(inv::Error, other = std::move(connection));
    QVERIFY_THROWS_EXCEPTION(inv::Error, connection = std::move(other));

    // The refused moves left both connections whole: the transaction is still open and commits.
    QVERIFY(connection.inTransaction());
    QCOMPARE(other.exec("SELECT 1").int32(0, 0), 1);
    connection.commit();
    QCOMPARE(rowsWithId(5), 1LL);

    // Without a transaction the move is allowed and the connection keeps working.
    inv::PgConnection moved(std::move(connection));
    QCOMPARE(moved.exec(sql("SELECT count(*) FROM {t} WHERE id = 5")).int64(0, 0), 1LL);
}

QTEST_GUILESS_MAIN(TestPgPool)
#include "tst_pgpool.moc"
