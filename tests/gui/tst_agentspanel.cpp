// The Agents panel against the real services and real agent processes, offscreen: two agents started
// with `inventory-console agent` are listed idle with their version and cores; a flash sale run over
// them from the Simulation form sells exactly the stock (in the report and in the kept schema), the
// panel shows both running with their share while it goes on, and the charts draw one line per agent
// on demand; an agent killed with SIGKILL is marked lost within a few seconds; one stopped with
// SIGTERM is marked stopped if it took part in the run shown, and leaves the list if not.
#include "agents/agentprotocol.h"
#include "agentselector.h"
#include "agentspanel.h"
#include "agentstatusmodel.h"
#include "sim/simulationspace.h"
#include "simulationcharts.h"
#include "simulationform.h"
#include "simulationpage.h"
#include "simulationresults.h"
#include "simulationwindow.h"
#include "testservices.h"

#include "agentprocesses.h"
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QElapsedTimer>
#include <QLineEdit>

#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <csignal>
#include <random>

class TestAgentsPanel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void listsTheAgentsIdle();
    void flashSaleOverTheAgentsSellsTheStock();
    void killedAgentIsMarkedLost();
    void stoppedAgentsAreMarkedOrLeaveTheList();
    void cleanupTestCase();

private:
    QString stateOf(const QString &name) const;
    QString cell(const QString &name, AgentStatusModel::Column column) const;

    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<MainWindow> m_window;
    SimulationPage *m_page = nullptr;
    AgentsPanel *m_panel = nullptr;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    std::vector<std::unique_ptr<QProcess>> m_agents;
    QStringList m_names;
};

void TestAgentsPanel::initTestCase()
{
    REQUIRE_SERVICES();
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_window = testservices::openSimulationWindow();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_page = m_window->simulationPage();
    m_panel = m_page->agents();
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString run = QString::number(std::random_device{}() % 100000);
    for (int i = 1; i <= 2; ++i) {
        const QString name = QStringLiteral("gui%1-%2").arg(run).arg(i);
        auto process = startAgentProcess(name);
        QVERIFY2(process->waitForStarted(5000), qPrintable(process->errorString()));
        m_agents.push_back(std::move(process));
        m_names << name;
    }
}

QString TestAgentsPanel::stateOf(const QString &name) const
{
    return m_panel->model()->state(m_panel->model()->rowOf(name));
}

QString TestAgentsPanel::cell(const QString &name, AgentStatusModel::Column column) const
{
    const AgentStatusModel *model = m_panel->model();
    return model->index(model->rowOf(name), column).data().toString();
}

void TestAgentsPanel::listsTheAgentsIdle()
{
    // The registry is read once a second; an agent registers within a second or two of its start.
    for (const QString &name : std::as_const(m_names))
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(name), QStringLiteral("idle"), 15000);
    for (const QString &name : std::as_const(m_names)) {
        QCOMPARE(cell(name, AgentStatusModel::Version), QStringLiteral(INVENTORY_VERSION));
        QVERIFY(cell(name, AgentStatusModel::Cores).toInt() > 0);
        QVERIFY(!cell(name, AgentStatusModel::Host).isEmpty());
        QVERIFY2(cell(name, AgentStatusModel::Heartbeat).endsWith(QStringLiteral(" s ago")),
                 qPrintable(cell(name, AgentStatusModel::Heartbeat)));
        // No run yet: no share.
        QVERIFY(cell(name, AgentStatusModel::Servers).isEmpty());
    }
    QVERIFY(m_panel->model()->aliveCount() >= 2);
    auto *box = m_page->form()->findChild<QCheckBox *>(QStringLiteral("runOnAgents"));
    QVERIFY(box);
    QVERIFY(box->toolTip().contains(QStringLiteral("Flash sale only")));
    // Run on agents is offered for the flash sale only.
    m_page->selectScenario(QStringLiteral("mixed"));
    QVERIFY(!box->isEnabled());
    m_page->selectScenario(QStringLiteral("flash-sale"));
    QVERIFY(box->isEnabled());
}

void TestAgentsPanel::flashSaleOverTheAgentsSellsTheStock()
{
    constexpr long long kStock = 300;
    const long long runsBefore = m_db->exec("SELECT count(*) FROM simulation_runs").int64(0, 0);
    inv::SimulationSpace::cleanup(testservices::pgUrl(), testservices::redisUrl(), true);
    m_page->selectScenario(QStringLiteral("flash-sale"));
    m_page->setParameter(QStringLiteral("buyers"), 30000);
    m_page->setParameter(QStringLiteral("stock"), static_cast<double>(kStock));
    m_page->setParameter(QStringLiteral("servers"), 4);
    m_page->form()->agents()->setSelection(m_names.join(QLatin1Char(',')));
    QVERIFY(m_page->form()->agents()->runOnAgents());
    auto *keep = m_page->form()->findChild<QCheckBox *>(QStringLiteral("keepData"));
    keep->setChecked(true);

    // What the panel showed while the run went on.
    QSet<QString> seenRunning;
    QSet<QString> seenThroughput;
    QMetaObject::Connection watch = connect(m_panel->model(), &QAbstractItemModel::dataChanged, this, [&] {
        for (const QString &name : std::as_const(m_names)) {
            if (stateOf(name) == QLatin1String("running") &&
                cell(name, AgentStatusModel::Outcome) == QLatin1String("running"))
                seenRunning << name;
            if (cell(name, AgentStatusModel::Throughput).endsWith(QStringLiteral("req/s")))
                seenThroughput << name;
        }
    });
    QSignalSpy finished(m_page, &SimulationPage::finished);
    m_page->start(QStringLiteral("flash-sale"), {QStringLiteral("versioned")});
    QVERIFY(m_page->isRunning());
    // One line per agent beside the total, and back.
    m_panel->setPerAgentLines(true);
    QVERIFY(m_panel->perAgentLines());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 90000);
    QVERIFY(m_page->charts()->pointCount() > 0);
    disconnect(watch);
    keep->setChecked(false);
    m_panel->setPerAgentLines(false);

    QCOMPARE(seenRunning.size(), 2);
    QCOMPARE(seenThroughput.size(), 2);
    QCOMPARE(m_page->results()->reports().size(), std::size_t(1));
    const auto &report = *m_page->results()->reports().front();
    qInfo("2 agents from the form: %lld sold, %lld refused, %lld requests in %.1f s, ledger %s",
          report.successes, report.rejections, report.requests, report.durationSeconds,
          report.ledgerOk ? "ok" : "broken");
    QVERIFY(report.sharedSku);
    QCOMPARE(report.agents.size(), std::size_t(2));
    QCOMPARE(report.successes, kStock);
    QCOMPARE(report.oversold, 0LL);
    QVERIFY(report.ledgerOk);
    QCOMPARE(report.finalDbStock, 0LL);
    int servers = 0;
    long long rows = 0;
    for (const auto &a : report.agents) {
        QCOMPARE(a.state, std::string("finished"));
        servers += a.servers;
        rows += a.auditRows;
        // The panel ends with the agent's figures from the run.
        const QString name = QString::fromStdString(a.name);
        QCOMPARE(cell(name, AgentStatusModel::Servers).toInt(), a.servers);
        QCOMPARE(cell(name, AgentStatusModel::Outcome), QStringLiteral("finished"));
        QVERIFY(a.requests > 0);
    }
    QCOMPARE(servers, 4);
    QCOMPARE(rows, kStock);

    // The database's own books, in the run's kept schema.
    const std::string schema = inv::SimulationSpace::schemaFor(report.config.runId);
    const std::string sku = "AGENTS-" + report.config.runId;
    QCOMPARE(m_db->exec("SELECT stock FROM " + schema + ".inventory WHERE sku = $1", {sku}).int64(0, 0), 0LL);
    const auto audit = m_db->exec("SELECT count(*), sum(quantity) FROM " + schema +
                                      ".inventory_audit WHERE sku = $1 AND action = 'purchase'",
                                  {sku});
    QCOMPARE(audit.int64(0, 0), kStock);
    QCOMPARE(audit.int64(0, 1), kStock);
    QCOMPARE(m_db->exec("SELECT count(*) FROM simulation_runs").int64(0, 0), runsBefore + 1);
    QCOMPARE(
        inv::SimulationSpace::cleanup(testservices::pgUrl(), testservices::redisUrl(), true).schemasDropped,
        1);

    // Back to idle once the run is over.
    for (const QString &name : std::as_const(m_names))
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(name), QStringLiteral("idle"), 5000);
}

void TestAgentsPanel::killedAgentIsMarkedLost()
{
    const QString victim = m_names.front();
    QCOMPARE(stateOf(victim), QStringLiteral("idle"));
    QElapsedTimer clock;
    clock.start();
    ::kill(static_cast<pid_t>(m_agents.front()->processId()), SIGKILL);
    QVERIFY(m_agents.front()->waitForFinished(5000));
    // The heartbeat lives 3 s and the panel reads the registry every second.
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(victim), QStringLiteral("lost"), 6000);
    qInfo("the killed agent was marked lost after %lld ms", static_cast<long long>(clock.elapsed()));
    QCOMPARE(cell(victim, AgentStatusModel::Heartbeat), QStringLiteral("expired"));
    QCOMPARE(stateOf(m_names.at(1)), QStringLiteral("idle"));
    // The lost agent goes below the ones alive.
    QVERIFY(m_panel->model()->rowOf(victim) > m_panel->model()->rowOf(m_names.at(1)));
}

void TestAgentsPanel::stoppedAgentsAreMarkedOrLeaveTheList()
{
    // One that took part in the run shown stays, marked stopped, with its figures.
    const QString ran = m_names.at(1);
    m_agents.at(1)->terminate();
    QVERIFY(m_agents.at(1)->waitForFinished(10000));
    QCOMPARE(m_agents.at(1)->exitStatus(), QProcess::NormalExit);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(ran), QStringLiteral("stopped"), 5000);
    QCOMPARE(cell(ran, AgentStatusModel::Outcome), QStringLiteral("finished"));
    QVERIFY(m_panel->model()->rowOf(ran) > m_panel->model()->rowOf(m_names.front()));
    // One that did not leaves the list once it has deregistered.
    const QString name = m_names.front() + QStringLiteral("-idle");
    auto process = startAgentProcess(name);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(name), QStringLiteral("idle"), 15000);
    process->terminate();
    QVERIFY(process->waitForFinished(10000));
    QTRY_COMPARE_WITH_TIMEOUT(m_panel->model()->rowOf(name), -1, 5000);
}

void TestAgentsPanel::cleanupTestCase()
{
    stopAgentProcesses(m_agents);
    m_window.reset();
}

QTEST_MAIN(TestAgentsPanel)
#include "tst_agentspanel.moc"
