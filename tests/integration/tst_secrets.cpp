// No password leaves the places meant to keep it. With the real passwords of the sandbox that
// ./test.sh started (read from its sandbox.conf), each place an operator or a bystander can see is
// searched for every one of them: the CLI's output, a simulation report file, the stored
// simulation_runs rows, the console's settings file, the sandbox's logs, the command lines of every
// process while the CLI and the console run, and what the Connect dialog and the status bar show.
// Also: the sandbox's Redis refuses a client without its password, and the console says what to do.
#include "cache/redisconnection.h"
#include "clirunner.h"
#include "connectiondialog.h"
#include "db/pgconnection.h"
#include "elidedlabel.h"
#include "errors.h"
#include "mainwindow.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandboxstate.h"
#include "simulationrunner.h"
#include "testpaths.h"
#include "testservices.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <sys/stat.h>

#include <memory>
#include <vector>

using namespace std::chrono_literals;

namespace {
constexpr int kWaitMs = 30000;
}

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void redisWithoutPasswordSaysWhatToDo();
    void cliOutputAndReportFile();
    void simulationRunsRows();
    void processCommandLines();
    void connectDialogAndSettingsFile();
    void statusBarSaysRedisNeedsAPassword();
    void sandboxLogsAndFiles();

private:
    // The first password found in text, or "" if none.
    QString leaked(const QByteArray &text) const;
    // Fails naming the place (never the password) if text holds one.
    bool clean(const QByteArray &text, const QString &place);
    static QByteArray readFile(const QString &path);
    static QString redisUrlWithoutPassword();

    std::string m_sandboxDir;
    std::vector<QByteArray> m_passwords;
    std::vector<QString> m_passwordNames;
    QTemporaryDir m_work;
    std::unique_ptr<QProcess> m_simulation;
};

void TestSecrets::initTestCase()
{
    REQUIRE_SERVICES();
    m_sandboxDir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (m_sandboxDir.empty())
        QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
    const auto state = inv::SandboxState::read(m_sandboxDir);
    QVERIFY(state);
    const std::pair<const char *, const std::string *> passwords[] = {
        {"the PostgreSQL superuser's", &state->pgPassword},
        {"inventory_owner's", &state->pgOwnerPassword},
        {"inventory_app's", &state->pgAppPassword},
        {"inventory_reader's", &state->pgReaderPassword},
        {"Redis'", &state->redisPassword}};
    for (const auto &[name, password] : passwords) {
        QVERIFY2(password->size() >= 16, "the sandbox has a long password for each role and for Redis");
        m_passwords.push_back(QByteArray::fromStdString(*password));
        m_passwordNames.push_back(QString::fromLatin1(name));
    }
    // The services of this run really are the sandbox's, with its passwords.
    QVERIFY(testservices::redisUrl().find(state->redisPassword) != std::string::npos);
    QVERIFY(testservices::pgUrl().find(state->pgAppPassword) != std::string::npos);

    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-secrets-test"));
    QSettings().clear();
    QVERIFY(m_work.isValid());
}

void TestSecrets::cleanupTestCase()
{
    if (m_simulation) {
        m_simulation->kill();
        m_simulation->waitForFinished();
    }
}

QString TestSecrets::leaked(const QByteArray &text) const
{
    for (std::size_t i = 0; i < m_passwords.size(); ++i)
        if (text.contains(m_passwords[i]))
            return m_passwordNames[i] + QStringLiteral(" password");
    return {};
}

bool TestSecrets::clean(const QByteArray &text, const QString &place)
{
    const QString found = leaked(text);
    if (found.isEmpty())
        return true;
    QTest::qFail(qPrintable(QStringLiteral("%1 appears in %2").arg(found, place)), __FILE__, __LINE__);
    return false;
}

QByteArray TestSecrets::readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QString TestSecrets::redisUrlWithoutPassword()
{
    const inv::RedisUrl url = inv::RedisUrl::parse(testservices::redisUrl());
    return QStringLiteral("redis://%1:%2").arg(QString::fromStdString(url.host)).arg(url.port);
}

// Without the password the sandbox's Redis refuses every command, and the error says how to give it.
void TestSecrets::redisWithoutPasswordSaysWhatToDo()
{
    inv::RedisConnection anonymous(inv::RedisUrl::parse(redisUrlWithoutPassword().toStdString()),
                                   {1000ms, 1000ms});
    std::string message;
    try {
        anonymous.command({"PING"});
    } catch (const inv::CacheReplyError &e) {
        message = e.what();
    }
    QVERIFY2(message.find("NOAUTH") != std::string::npos, message.c_str());
    QVERIFY2(message.find("redis://:PASSWORD@host:port") != std::string::npos, message.c_str());
    QVERIFY2(message.find("sandbox status") != std::string::npos, message.c_str());

    inv::RedisUrl wrong = inv::RedisUrl::parse(testservices::redisUrl());
    wrong.password = "not-the-password";
    try {
        inv::RedisConnection refused(wrong, {1000ms, 1000ms});
        QFAIL("Redis accepted a wrong password");
    } catch (const inv::CacheReplyError &e) {
        message = e.what();
    }
    QVERIFY2(message.find("WRONGPASS") != std::string::npos &&
                 message.find("user name or password in the URL is wrong") != std::string::npos,
             message.c_str());
    QVERIFY(message.find("not-the-password") == std::string::npos);

    inv::RedisConnection withPassword(inv::RedisUrl::parse(testservices::redisUrl()), {1000ms, 1000ms});
    QVERIFY(withPassword.command({"PING"}).isStatus("PONG"));
}

// A CLI command and a short simulation with --report: neither stdout, stderr nor the report holds a
// password, and neither does a command whose Redis refuses it.
void TestSecrets::cliOutputAndReportFile()
{
    const QString sku = QString::fromStdString(testservices::uniqueSku("tst-secrets"));
    CliRun add = runCli({QStringLiteral("add"), sku, QStringLiteral("--name"), QStringLiteral("secrets"),
                         QStringLiteral("--stock"), QStringLiteral("10")});
    QVERIFY2(add.exitCode == 0, qPrintable(add.err));
    CliRun stock = runCli({QStringLiteral("stock"), sku, QStringLiteral("--json")});
    QVERIFY2(stock.exitCode == 0, qPrintable(stock.err));
    QVERIFY(clean((add.out + add.err + stock.out + stock.err).toUtf8(), QStringLiteral("the CLI's output")));
    // A wrong Redis password, and a PostgreSQL URL whose password the server refuses: the errors name
    // the servers, never the passwords.
    CliRun refused = runCli({QStringLiteral("stock"), sku, QStringLiteral("--redis"),
                             redisUrlWithoutPassword().replace(QStringLiteral("redis://"),
                                                               QStringLiteral("redis://:wrong-password@"))});
    QVERIFY(clean((refused.out + refused.err).toUtf8(),
                  QStringLiteral("the CLI's output for a refused password")));

    const QString report = m_work.filePath(QStringLiteral("report.json"));
    CliRun simulate =
        runCli({QStringLiteral("simulate"), QStringLiteral("--scenario"), QStringLiteral("flash-sale"),
                QStringLiteral("--buyers"), QStringLiteral("300"), QStringLiteral("--stock"),
                QStringLiteral("20"), QStringLiteral("--servers"), QStringLiteral("2"),
                QStringLiteral("--report"), report, QStringLiteral("--json")},
               120000);
    QVERIFY2(simulate.exitCode == 0 || simulate.exitCode == 1, qPrintable(simulate.err));
    const QByteArray written = readFile(report);
    QVERIFY2(written.contains("\"scenario\""), "the report was written");
    QVERIFY(clean(written, QStringLiteral("the report file")));
    QVERIFY(clean((simulate.out + simulate.err).toUtf8(), QStringLiteral("the output of simulate")));
}

// A run from the console is stored in simulation_runs; no stored report holds a password.
void TestSecrets::simulationRunsRows()
{
    inv::PgConnection db(testservices::pgUrl());
    const long long before = db.exec("SELECT coalesce(max(id), 0) FROM simulation_runs").int64(0, 0);
    inv::SimulationConfig config =
        testservices::simulationConfig(inv::ScenarioKind::FlashSale, inv::StrategyKind::Versioned, 2, 7);
    config.buyers = 300;
    config.stock = 20;
    SimulationRunner runner;
    QSignalSpy finished(&runner, &SimulationRunner::allFinished);
    QSignalSpy failed(&runner, &SimulationRunner::runFailed);
    runner.runAll({config});
    QCOMPARE(finished.count(), 1);
    QCOMPARE(failed.count(), 0);
    const auto rows = db.exec("SELECT id, report::text FROM simulation_runs ORDER BY id");
    QVERIFY2(rows.int64(rows.rows() - 1, 0) > before, "the console's run was stored");
    QByteArray all;
    for (int r = 0; r < rows.rows(); ++r)
        all += QByteArray::fromStdString(rows.text(r, 1));
    QVERIFY(clean(all, QStringLiteral("the stored simulation_runs reports")));
}

// Every process's command line, while a CLI simulation runs: the sandbox's postgres and
// redis-server among them, the CLI itself, and whatever they started.
void TestSecrets::processCommandLines()
{
    m_simulation = std::make_unique<QProcess>();
    m_simulation->start(testpaths::cli(),
                        {QStringLiteral("simulate"), QStringLiteral("--scenario"), QStringLiteral("mixed"),
                         QStringLiteral("--rate"), QStringLiteral("200"), QStringLiteral("--duration"),
                         QStringLiteral("3"), QStringLiteral("--products"), QStringLiteral("5")});
    QVERIFY(m_simulation->waitForStarted());
    QTest::qWait(1000);

    const auto redisPid = inv::Sandbox(m_sandboxDir).redisPid();
    QVERIFY(redisPid);
    QFile postmasterPid(QString::fromStdString(m_sandboxDir) + QStringLiteral("/pg/postmaster.pid"));
    QVERIFY(postmasterPid.open(QIODevice::ReadOnly));
    const qint64 postgresPid = postmasterPid.readLine().trimmed().toLongLong();
    bool sawRedis = false, sawPostgres = false, sawCli = false;
    int read = 0;
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool number = false;
        const qint64 pid = entry.toLongLong(&number);
        if (!number)
            continue;
        const QByteArray cmdline = readFile(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.isEmpty())
            continue; // a kernel thread, or gone
        ++read;
        sawRedis |= pid == *redisPid;
        sawPostgres |= pid == postgresPid;
        sawCli |= pid == m_simulation->processId();
        QByteArray shown = cmdline;
        shown.replace('\0', ' ');
        // Named by its program only: the rest of a leaking command line is the secret.
        const QString program = QString::fromUtf8(cmdline.left(cmdline.indexOf('\0')));
        if (!clean(shown, QStringLiteral("the command line of pid %1 (%2)").arg(pid).arg(program)))
            return;
    }
    QVERIFY2(sawRedis && sawPostgres && sawCli,
             "the sandbox's servers and the CLI were among the processes read");
    QVERIFY(read > 3);
    QVERIFY(m_simulation->waitForFinished(60000));
}

// The console's Connect dialog, opened from the menu while the console is connected with the
// sandbox's URLs: no field shows a password, and accepting it saves none in the settings file.
void TestSecrets::connectDialogAndSettingsFile()
{
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = QStringLiteral("inventory");
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(window.health().pgUp && window.health().redisUp, kWaitMs);

    QAction *connectAction = nullptr;
    for (QAction *action : window.findChildren<QAction *>())
        if (action->text() == QStringLiteral("&Connect…"))
            connectAction = action;
    QVERIFY(connectAction);
    bool checked = false;
    QString fieldReport;
    QTimer::singleShot(0, &window, [&] {
        auto *poll = new QTimer(&window);
        poll->setInterval(50);
        QObject::connect(poll, &QTimer::timeout, &window, [&, poll] {
            auto *dialog = qobject_cast<ConnectionDialog *>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            poll->stop();
            // What the dialog shows: every line edit's displayed text (masked ones show dots), every
            // label, and a rendering of the whole dialog.
            QByteArray shown;
            for (auto *edit : dialog->findChildren<QLineEdit *>())
                shown += edit->displayText().toUtf8() + '\n' + edit->placeholderText().toUtf8() + '\n';
            for (auto *label : dialog->findChildren<QLabel *>())
                shown += label->text().toUtf8() + '\n';
            shown += dialog->windowTitle().toUtf8();
            QVERIFY(!dialog->grab().isNull());
            fieldReport = leaked(shown);
            // The passwords are in the dialog, masked, and a connection made from it still works.
            checked = dialog->redisUrl() == QString::fromStdString(testservices::redisUrl()) &&
                      dialog->pgConninfo().contains(QStringLiteral("password="));
            dialog->accept();
        });
        poll->start();
    });
    connectAction->trigger();
    QVERIFY2(fieldReport.isEmpty(),
             qPrintable(QStringLiteral("the Connect dialog shows %1").arg(fieldReport)));
    QVERIFY(checked);
    QTRY_VERIFY_WITH_TIMEOUT(window.health().pgUp && window.health().redisUp, kWaitMs);
    window.close();

    QSettings settings;
    settings.sync();
    QVERIFY2(settings.value(QStringLiteral("connection/redis")).toString() == redisUrlWithoutPassword(),
             qPrintable(settings.value(QStringLiteral("connection/redis")).toString().left(12)));
    const QByteArray file = readFile(settings.fileName());
    QVERIFY2(file.contains("connection"), qPrintable(settings.fileName()));
    QVERIFY(clean(file, QStringLiteral("the settings file ") + settings.fileName()));
}

// The status bar of a console given the sandbox's Redis without its password: it says Redis is
// down and what to do, and shows no password either way.
void TestSecrets::statusBarSaysRedisNeedsAPassword()
{
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = redisUrlWithoutPassword();
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(window.health().pgUp && !window.health().redisError.isEmpty(), kWaitMs);
    QByteArray shown;
    for (auto *label : window.statusBar()->findChildren<QLabel *>())
        shown += label->text().toUtf8() + '\n' + label->toolTip().toUtf8() + '\n';
    for (auto *label : window.statusBar()->findChildren<ElidedLabel *>())
        shown += label->fullText().toUtf8() + '\n';
    QVERIFY2(shown.contains("NOAUTH") && shown.contains("redis://:PASSWORD@host:port"), shown.constData());
    QVERIFY(clean(shown, QStringLiteral("the status bar")));

    window.connectTo(options.pg, QString::fromStdString(testservices::redisUrl()));
    QTRY_VERIFY_WITH_TIMEOUT(window.health().redisUp, kWaitMs);
    shown.clear();
    for (auto *label : window.statusBar()->findChildren<ElidedLabel *>())
        shown += label->fullText().toUtf8() + '\n' + label->toolTip().toUtf8() + '\n';
    QVERIFY(clean(shown, QStringLiteral("the status bar")));
    window.close();
}

// The sandbox's logs after all of the above (every role connected, a refused password, servers
// restarted by earlier tests), and its files with a password in them are private.
void TestSecrets::sandboxLogsAndFiles()
{
    const QString dir = QString::fromStdString(m_sandboxDir);
    int logs = 0;
    for (const QString &name : QDir(dir).entryList({QStringLiteral("*.log")}, QDir::Files)) {
        const QByteArray text = readFile(dir + u'/' + name);
        ++logs;
        QVERIFY(clean(text, QStringLiteral("the sandbox log ") + name));
    }
    QVERIFY2(logs >= 2, "pg.log and redis.log were read");
    QVERIFY(!readFile(dir + QStringLiteral("/redis.log")).isEmpty());
    for (const char *secret : {"sandbox.conf", "redis.conf"}) {
        struct stat info
        {};
        QVERIFY2(::stat((m_sandboxDir + "/" + secret).c_str(), &info) == 0, secret);
        QCOMPARE(info.st_mode & 0777, mode_t(0600));
    }
    QVERIFY(readFile(dir + QStringLiteral("/redis.conf")).contains("requirepass"));
}

QTEST_MAIN(TestSecrets)
#include "tst_secrets.moc"
