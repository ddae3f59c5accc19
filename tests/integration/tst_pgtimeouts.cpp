// A hung PostgreSQL costs a bounded wait, not a frozen thread: a private sandbox whose postmaster and
// backends are stopped with SIGSTOP must make a connect, a statement on an open connection and the
// CLI fail with a typed error (exit code 3) instead of hanging. Every test resumes the server on the
// way out, whatever happened.
#include "clirunner.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/sandbox.h"
#include "testpaths.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <csignal>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {
using Clock = std::chrono::steady_clock;

// What a call against the hung server did: finished in time or not, and with which error.
struct BoundedOutcome
{
    bool finished = false;
    bool dbError = false;
    bool connectionFailure = false;
    std::string message;
    long long elapsedMs = 0;
};

pid_t parentOf(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return 0;
    char state = 0;
    int parent = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &parent) != 2)
        return 0;
    return parent;
}

std::vector<pid_t> childrenOf(pid_t parent)
{
    std::vector<pid_t> out;
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return out;
    while (const dirent *entry = ::readdir(proc)) {
        char *end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (*end == '\0' && pid > 0 && parentOf(static_cast<pid_t>(pid)) == parent)
            out.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(proc);
    return out;
}
} // namespace

class TestPgTimeouts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void connectToAHungServerFails();
    void statementOnAHungServerFails();
    void cliExitsWithThreeWhenTheServerHangs();
    void cliExitsWithThreeThroughPgBouncerWhenTheServerHangs();
    void serverAnswersAgainAfterResume();

private:
    void pause();
    void resume();
    template <typename Call> BoundedOutcome runBounded(Call call, std::chrono::seconds limit);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<inv::Sandbox> m_sandbox;
    inv::SandboxStatus m_status;
    pid_t m_postmaster = 0;
    // PgBouncer in transaction pooling in front of the private server (scripts/pgbouncer.sh).
    std::string m_bouncerUrl;
    QProcessEnvironment bouncerEnvironment() const;
    // `inventory-console stock SKU-0001` through pgUrl.
    CliRun stock(const std::string &pgUrl);
    // Stops the server, runs stock(pgUrl) and expects exit 3 within the bounds.
    void expectExitThreeWhilePaused(const std::string &pgUrl);
    std::vector<pid_t> m_stopped;
};

void TestPgTimeouts::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/inventory-pgtimeouts-XXXXXX"));
    QVERIFY(m_dir->isValid());
    // The postgres account must be able to reach the directory when we run as root.
    QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                             QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                             QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                             QFileDevice::ExeOther);
    m_sandbox = std::make_unique<inv::Sandbox>(m_dir->path().toStdString() + "/sb");
    m_status = m_sandbox->start();
    QVERIFY(m_status.pgRunning);
    std::ifstream pidFile(m_dir->path().toStdString() + "/sb/pg/postmaster.pid");
    pidFile >> m_postmaster;
    QVERIFY(m_postmaster > 0);
    inv::PgConnection probe(m_status.pgUrl);
    QCOMPARE(probe.exec("SELECT 1").int32(0, 0), 1);
    const CliRun bouncer = runProgram(QStringLiteral("bash"),
                                      {QStringLiteral("-c"),
                                       QStringLiteral(". \"$0\" && inventory_pgbouncer transaction pause >&2 "
                                                      "&& printf %s \"$INVENTORY_PGBOUNCER_PAUSE_URL\""),
                                       testpaths::source(QStringLiteral("scripts/pgbouncer.sh"))},
                                      30000, bouncerEnvironment());
    QVERIFY2(bouncer.exitCode == 0 && !bouncer.out.isEmpty(), qPrintable(bouncer.err));
    m_bouncerUrl = bouncer.out.toStdString();
}

QProcessEnvironment TestPgTimeouts::bouncerEnvironment() const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("WORK"), m_dir->path());
    environment.insert(QStringLiteral("INVENTORY_PG_URL"), QString::fromStdString(m_status.pgUrl));
    environment.insert(QStringLiteral("INVENTORY_PG_OWNER_URL"), QString::fromStdString(m_status.pgOwnerUrl));
    return environment;
}

void TestPgTimeouts::pause()
{
    // The postmaster first, so that it forks no backend we would miss.
    QCOMPARE(::kill(m_postmaster, SIGSTOP), 0);
    m_stopped.push_back(m_postmaster);
    for (pid_t child : childrenOf(m_postmaster)) {
        if (::kill(child, SIGSTOP) == 0)
            m_stopped.push_back(child);
    }
}

void TestPgTimeouts::resume()
{
    for (pid_t pid : m_stopped)
        ::kill(pid, SIGCONT);
    m_stopped.clear();
}

template <typename Call> BoundedOutcome TestPgTimeouts::runBounded(Call call, std::chrono::seconds limit)
{
    auto outcome = std::make_shared<BoundedOutcome>();
    std::packaged_task<void()> task([outcome, call] {
        const auto start = Clock::now();
        try {
            call();
        } catch (const inv::DbError &e) {
            outcome->dbError = true;
            outcome->connectionFailure = e.isConnectionFailure();
            outcome->message = e.what();
        } catch (const std::exception &e) {
            outcome->message = e.what();
        }
        outcome->elapsedMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    });
    auto done = task.get_future();
    std::jthread worker(std::move(task));
    const bool inTime = done.wait_for(limit) == std::future_status::ready;
    if (!inTime)
        resume(); // lets the hung call finish so that the worker can be joined
    worker.join();
    outcome->finished = inTime;
    return *outcome;
}

void TestPgTimeouts::cleanup()
{
    resume();
}

void TestPgTimeouts::cleanupTestCase()
{
    resume();
    if (m_dir)
        runProgram(QStringLiteral("bash"),
                   {QStringLiteral("-c"), QStringLiteral(". \"$0\" && inventory_pgbouncer_stop_all"),
                    testpaths::source(QStringLiteral("scripts/pgbouncer.sh"))},
                   30000, bouncerEnvironment());
    if (m_sandbox)
        m_sandbox->stop();
}

void TestPgTimeouts::connectToAHungServerFails()
{
    pause();
    const BoundedOutcome outcome =
        runBounded([url = m_status.pgUrl] { inv::PgConnection connection(url); }, 40s);
    resume();
    QVERIFY2(outcome.finished, "connecting to a stopped PostgreSQL hung for 40 s");
    QVERIFY2(outcome.dbError, outcome.message.c_str());
    QVERIFY2(outcome.connectionFailure, outcome.message.c_str());
    QVERIFY2(outcome.message.find("PostgreSQL") != std::string::npos, outcome.message.c_str());
}

void TestPgTimeouts::statementOnAHungServerFails()
{
    auto connection = std::make_shared<inv::PgConnection>(m_status.pgUrl);
    QCOMPARE(connection->exec("SELECT 1").int32(0, 0), 1);
    pause();
    const BoundedOutcome outcome = runBounded([connection] { connection->exec("SELECT 2"); }, 60s);
    resume();
    QVERIFY2(outcome.finished, "a statement on a stopped PostgreSQL hung for 60 s");
    QVERIFY2(outcome.dbError, outcome.message.c_str());
    QVERIFY2(outcome.connectionFailure, outcome.message.c_str());
    QVERIFY2(outcome.message.find("did not answer") != std::string::npos, outcome.message.c_str());
    // The abandoned connection is not reused: the next statement reconnects to the resumed server.
    QCOMPARE(connection->exec("SELECT 3").int32(0, 0), 3);
}

CliRun TestPgTimeouts::stock(const std::string &pgUrl)
{
    return runCli({QStringLiteral("stock"), QStringLiteral("SKU-0001"), QStringLiteral("--pg"),
                   QString::fromStdString(pgUrl), QStringLiteral("--redis"),
                   QString::fromStdString(m_status.redisUrl)},
                  60000);
}

void TestPgTimeouts::expectExitThreeWhilePaused(const std::string &pgUrl)
{
    pause();
    const auto start = Clock::now();
    const CliRun run = stock(pgUrl);
    const long long elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    resume();
    QVERIFY2(
        run.exitCode == 3,
        qPrintable(
            QStringLiteral("exit %1 after %2 ms, stderr: %3").arg(run.exitCode).arg(elapsed).arg(run.err)));
    // The answer deadline is the statement timeout (15 s) plus 5 s; the connect timeout is 10 s.
    QVERIFY2(elapsed < 35000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY2(run.err.contains(QLatin1String("PostgreSQL")), qPrintable(run.err));
    QVERIFY2(!run.err.contains(QLatin1String("terminate called")), qPrintable(run.err));
}

void TestPgTimeouts::cliExitsWithThreeWhenTheServerHangs()
{
    expectExitThreeWhilePaused(m_status.pgUrl);
}

// The same through PgBouncer in transaction pooling: the pooler's server connection waits on the
// stopped backend, and the client's answer deadline still ends the command.
void TestPgTimeouts::cliExitsWithThreeThroughPgBouncerWhenTheServerHangs()
{
    // A server connection of the pooler's, open before the pause, as in a running installation.
    const CliRun warm = stock(m_bouncerUrl);
    QVERIFY2(warm.exitCode != 3, qPrintable(warm.err));
    expectExitThreeWhilePaused(m_bouncerUrl);
}

// The bounds do not break a healthy server: after SIGCONT everything works again.
void TestPgTimeouts::serverAnswersAgainAfterResume()
{
    inv::PgConnection connection(m_status.pgUrl);
    QCOMPARE(connection.exec("SELECT count(*) FROM generate_series(1, 1000)").int64(0, 0), 1000LL);
    // A statement that takes a while but less than the bound is not cut short.
    QCOMPARE(connection.exec("SELECT 7 FROM pg_sleep(1.5)").int32(0, 0), 7);
}

QTEST_GUILESS_MAIN(TestPgTimeouts)
#include "tst_pgtimeouts.moc"
