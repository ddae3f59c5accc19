#include "simulationpage.h"

#include "agentrunner.h"
#include "agentselector.h"
#include "agentspanel.h"
#include "simulationcharts.h"
#include "simulationexport.h"
#include "simulationform.h"
#include "simulationhistory.h"
#include "simulationresults.h"
#include "simulationrunner.h"
#include "simulationstatsmodel.h"
#include "simulationstatstable.h"
#include "simulationsweeppanel.h"
#include "simulationverdict.h"

#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>

SimulationPage::SimulationPage(QWidget *parent)
    : QWidget(parent), m_runner(new SimulationRunner), m_form(new SimulationForm(this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(tr("Choose a scenario and press Start."), this)),
      m_charts(new SimulationCharts(this)), m_stats(new SimulationStatsTable(this)),
      m_results(new SimulationResults(this)), m_log(new QPlainTextEdit(this)),
      m_history(new SimulationHistory(this)), m_tabs(new QTabWidget(this)),
      m_sweep(new SimulationSweepPanel(m_form, this)), m_chartTabs(new QTabWidget(this)),
      m_agents(new AgentsPanel(m_charts, this))
{
    m_runner->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("simulation"));
    m_thread.start();
    // A local run and a run over agents answer alike.
    const auto route = [this](auto *runner) {
        using Runner = std::remove_pointer_t<decltype(runner)>;
        connect(runner, &Runner::runStarted, this, &SimulationPage::onRunStarted);
        connect(runner, &Runner::runFinished, this, &SimulationPage::onRunFinished);
        connect(runner, &Runner::runFailed, this, [this](int index, const QString &message) {
            m_results->addFailure(m_queue.value(index), message);
            log(tr("run failed: %1").arg(message));
        });
        connect(runner, &Runner::phase, this, &SimulationPage::log);
        connect(runner, &Runner::allFinished, this, &SimulationPage::onAllFinished);
    };
    route(m_runner);
    route(m_agents->runner());
    connect(m_runner, &SimulationRunner::historyLoaded, m_history, &SimulationHistory::setEntries);
    connect(m_runner, &SimulationRunner::reportLoaded, this, &SimulationPage::reopen);
    connect(m_runner, &SimulationRunner::historyFailed, this,
            [this](const QString &message) { log(tr("history: %1").arg(message)); });

    connect(m_form, &SimulationForm::startRequested, this, &SimulationPage::start);
    connect(m_form, &SimulationForm::stopRequested, this, &SimulationPage::stop);
    connect(m_form, &SimulationForm::raceDemoRequested, this, &SimulationPage::startRaceDemo);
    connect(m_form, &SimulationForm::invalid, m_status, &QLabel::setText);
    connect(m_form, &SimulationForm::fireRequested, this, &SimulationPage::fireFault);
    connect(m_form, &SimulationForm::logLatencyToggled, m_charts, &SimulationCharts::setLogLatency);
    connect(m_history, &SimulationHistory::reopenRequested, this, [this](qint64 id) {
        QMetaObject::invokeMethod(m_runner, "loadReport", Qt::QueuedConnection, Q_ARG(QString, m_pg),
                                  Q_ARG(qint64, id));
    });

    m_status->setObjectName(QStringLiteral("headline"));
    m_status->setWordWrap(true);
    // Room for a two-line headline: a screenshot may be taken before a re-layout.
    m_status->setMinimumHeight(2 * m_status->fontMetrics().lineSpacing() + 4);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setToolTip(tr("What the runs did, step by step, with the time of each step"));

    auto *exports = new QHBoxLayout;
    auto *json = new QPushButton(tr("Export JSON…"), this);
    auto *csv = new QPushButton(tr("Export timeline CSV…"), this);
    auto *png = new QPushButton(tr("Save charts PNG…"), this);
    auto *history = new QPushButton(tr("Refresh history"), this);
    for (auto *b : {json, csv, png})
        exports->addWidget(b);
    exports->addStretch(1);
    exports->addWidget(history);
    connect(json, &QPushButton::clicked, this, &SimulationPage::exportJson);
    connect(csv, &QPushButton::clicked, this, &SimulationPage::exportCsv);
    connect(png, &QPushButton::clicked, this, &SimulationPage::exportPng);
    connect(history, &QPushButton::clicked, this, &SimulationPage::refreshHistory);

    auto *resultsPane = new QWidget(this);
    auto *resultsLayout = new QVBoxLayout(resultsPane);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->addWidget(m_results);
    resultsLayout->addLayout(exports);
    m_tabs->addTab(resultsPane, tr("Results"));
    m_tabs->addTab(m_log, tr("Event log"));
    m_tabs->addTab(m_history, tr("History (double-click to reopen)"));
    m_tabs->addTab(m_agents, tr("Agents"));

    // Charts, then the live statistics, then results: each part can be given more room by hand.
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    m_chartTabs->addTab(m_charts, tr("Live run"));
    m_chartTabs->addTab(m_sweep, tr("Load sweep"));
    connect(m_sweep, &SimulationSweepPanel::finished, this,
            [this](bool stopped) { emit sweepFinished(stopped); });
    split->addWidget(m_chartTabs);
    split->addWidget(m_stats);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 0);
    split->setStretchFactor(2, 0);
    split->setSizes({460, m_stats->sizeHint().height(), 150});

    auto *right = new QVBoxLayout;
    auto *top = new QHBoxLayout;
    m_progress->setFixedWidth(220);
    top->addWidget(m_progress);
    top->addWidget(m_status, 1);
    right->addLayout(top);
    right->addWidget(split, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_form);
    layout->addLayout(right, 1);

    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &SimulationPage::poll);
    // The event loop's lateness: a 50 ms timer, and how late each tick arrives.
    m_lagTimer.setTimerType(Qt::PreciseTimer);
    m_lagTimer.setInterval(50);
    connect(&m_lagTimer, &QTimer::timeout, this, [this] {
        const qint64 now = m_lagClock.elapsed();
        m_lags.push_back(std::max<qint64>(0, now - m_lagExpected));
        m_lagExpected = now + 50;
    });
}

SimulationPage::~SimulationPage()
{
    m_runner->stop();
    m_thread.quit();
    m_thread.wait();
}

void SimulationPage::setConnection(const QString &pg, const QString &redis)
{
    m_pg = pg;
    m_redis = redis;
    m_sweep->setConnection(pg, redis);
    m_agents->setConnection(pg, redis);
    refreshHistory();
}

void SimulationPage::selectScenario(const QString &scenario)
{
    m_form->selectScenario(scenario);
}

bool SimulationPage::setParameter(const QString &name, double value)
{
    return m_form->setParameter(name, value);
}

bool SimulationPage::isRunning() const
{
    return m_runner->isRunning() || m_agents->isRunning() || m_currentRun >= 0;
}

void SimulationPage::start(const QString &scenario, const QStringList &strategies)
{
    if (isRunning())
        return;
    if (m_pg.isEmpty()) {
        m_status->setText(tr("Not connected: connect or start the sandbox first."));
        return;
    }
    m_form->selectScenario(scenario);
    QList<inv::SimulationConfig> configs;
    try {
        for (const auto &s : strategies) {
            configs.push_back(m_form->configFor(s, m_pg, m_redis));
            configs.back().validate();
        }
    } catch (const std::exception &e) {
        m_status->setText(tr("Invalid parameters: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    m_scenario = m_form->scenario();
    m_queue = strategies;
    m_form->setCheckedStrategies(strategies);
    m_charts->clear();
    m_chartRuns.clear();
    m_stats->statsModel()->clear();
    m_statsRuns.clear();
    if (!configs.isEmpty()) {
        // The thresholds the runs will be judged by, from the engine's own SLO table.
        inv::SimulationReport expected;
        expected.config = configs.front();
        expected.evaluateSlos();
        m_charts->setThresholds(expected.slos);
    }
    m_results->clearRuns();
    m_log->clear();
    m_lags.clear();
    m_lagClock.start();
    m_lagExpected = 50;
    m_lagTimer.start();
    m_form->setRunning(true);
    m_currentRun = 0;
    log(tr("%1 for %2").arg(m_form->scenarioTitle(), strategies.join(QStringLiteral(", "))));
    m_onAgents = m_form->agents()->runOnAgents();
    if (m_onAgents) {
        m_tabs->setCurrentWidget(m_agents);
        m_agents->start(configs, m_form->agents()->selection());
    } else {
        QMetaObject::invokeMethod(
            m_runner, [runner = m_runner, configs] { runner->runAll(configs); }, Qt::QueuedConnection);
    }
    m_poll.start();
}

void SimulationPage::startRaceDemo()
{
    m_form->prepareRaceDemo();
    start(QStringLiteral("flash-sale"),
          {QStringLiteral("naive"), QStringLiteral("unsafe"), QStringLiteral("locked"),
           QStringLiteral("versioned"), QStringLiteral("combined")});
}

bool SimulationPage::startSweep(const QString &range, const QStringList &strategies, double stepSeconds)
{
    m_chartTabs->setCurrentWidget(m_sweep);
    return m_sweep->start(range, strategies, stepSeconds);
}

void SimulationPage::stop()
{
    m_runner->stop();
    m_agents->stop();
    log(tr("stopping: the run in progress finishes its checks"));
}

void SimulationPage::fireFault(const inv::FaultSpec &fault)
{
    const QString kind = QString::fromLatin1(inv::FaultSpec::kindName(fault.kind));
    try {
        m_runner->fireFault(fault);
        const QString text = fault.duration.count() > 0
                                 ? tr("%1 fired for %2 s").arg(kind).arg(fault.duration.count() / 1000.0)
                                 : tr("%1 fired").arg(kind);
        m_form->setFireNote(text);
        log(text);
    } catch (const inv::InvalidInput &e) {
        m_form->setFireNote(tr("%1 not fired: %2").arg(kind, QString::fromUtf8(e.what())));
    }
}

void SimulationPage::beginRun(const QString &name, const QString &strategy)
{
    m_chartRuns.push_back(m_charts->beginRun(name, SimulationCharts::colorFor(strategy)));
    m_statsRuns.push_back(m_stats->statsModel()->beginRun(name));
    m_stats->scrollToBottom(); // the live run's rows
}

void SimulationPage::onRunStarted(int index, const QString &strategy)
{
    m_currentRun = index;
    m_polledPoints = 0;
    beginRun(m_queue.size() > 1 ? strategy : QString(), strategy);
    if (m_onAgents)
        m_agents->beginRun(m_chartRuns.back(), m_queue.size() > 1 ? strategy : QString());
    log(tr("run %1 of %2: %3").arg(index + 1).arg(m_queue.size()).arg(strategy));
}

void SimulationPage::poll()
{
    if (m_currentRun < 0 || m_chartRuns.empty())
        return;
    const inv::SimulationSnapshot snapshot = m_onAgents ? m_agents->poll() : m_runner->snapshot();
    // The monitor adds a point every 250 ms: redraw only when there is one.
    if (!snapshot.timeline.empty() && snapshot.timeline.size() != m_polledPoints) {
        m_polledPoints = snapshot.timeline.size();
        m_charts->setSnapshot(m_chartRuns.back(), snapshot);
        m_stats->statsModel()->setOperations(m_statsRuns.back(), snapshot.operations);
    }
    const double overall = (m_currentRun + snapshot.progress) / std::max<qsizetype>(1, m_queue.size());
    m_progress->setValue(static_cast<int>(overall * 1000));
    const double elapsed = snapshot.elapsedSeconds;
    QString remaining = tr("estimating");
    if (snapshot.progress > 0.02)
        remaining = tr("%1 s").arg(std::max(0.0, elapsed / snapshot.progress - elapsed), 0, 'f', 0);
    const auto &last = snapshot.timeline.empty() ? inv::TimelinePoint{} : snapshot.timeline.back();
    m_status->setText(
        tr("%1 · elapsed %2 s · remaining %3 · %4 req/s · read p99 %5 ms · stale %6 · oversold %7")
            .arg(m_queue.value(m_currentRun))
            .arg(elapsed, 0, 'f', 1)
            .arg(remaining)
            .arg(last.rps, 0, 'f', 0)
            .arg(last.readP99Ms, 0, 'f', 2)
            .arg(last.staleReads)
            .arg(last.oversold));
}

void SimulationPage::onRunFinished(int index, const ReportHandle &handle)
{
    const auto &report = *handle.report;
    const auto run = static_cast<std::size_t>(index);
    if (m_onAgents)
        m_agents->poll(); // the agents' lines and figures as the run ended
    if (run < m_chartRuns.size()) {
        m_charts->setTimeline(m_chartRuns[run], report.timeline);
        m_charts->setEvents(m_chartRuns[run], report.events);
    }
    if (run < m_statsRuns.size())
        m_stats->statsModel()->setReport(m_statsRuns[run], report);
    m_results->addRun(handle.report);
    QStringList failed;
    for (const auto &s : report.slos)
        if (!s.pass)
            failed << QStringLiteral("%1 = %2").arg(QString::fromStdString(s.name)).arg(s.value, 0, 'g', 4);
    log(tr("%1 finished in %2 s: %3")
            .arg(QString::fromLatin1(inv::Strategy::kindName(report.config.strategy)))
            .arg(report.durationSeconds, 0, 'f', 2)
            .arg(failed.isEmpty() ? tr("every SLO passed")
                                  : tr("FAILED %1").arg(failed.join(QStringLiteral(", ")))));
}

double SimulationPage::uiLagP99() const
{
    if (m_lags.empty())
        return 0;
    std::vector<qint64> sorted = m_lags;
    std::sort(sorted.begin(), sorted.end());
    return static_cast<double>(
        sorted[static_cast<std::size_t>(static_cast<double>(sorted.size() - 1) * 0.99)]);
}

void SimulationPage::onAllFinished(bool stopped)
{
    m_poll.stop();
    m_lagTimer.stop();
    m_currentRun = -1;
    m_progress->setValue(1000);
    m_form->setRunning(false);
    const bool passed = m_results->allPassed();
    const SimulationVerdict verdict(m_results->reports(), m_results->failures(), stopped);
    m_status->setText(verdict.html() + tr(" &nbsp;·&nbsp; UI lag p99 %1 ms").arg(uiLagP99(), 0, 'f', 0));
    m_status->setToolTip(verdict.text());
    log(tr("done; the window's event loop was at most %1 ms late at p99").arg(uiLagP99(), 0, 'f', 0));
    m_tabs->setCurrentIndex(0);
    refreshHistory();
    emit finished(passed, stopped);
}

void SimulationPage::log(const QString &text)
{
    m_log->appendPlainText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
}

void SimulationPage::exportJson()
{
    const auto &reports = m_results->reports();
    if (reports.empty())
        return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export report"), SimulationExport::defaultFileName(m_scenario, QStringLiteral("json")),
        tr("JSON (*.json)"));
    if (path.isEmpty())
        return;
    const QByteArray out = SimulationExport::json(reports);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size())
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, file.errorString()));
}

void SimulationPage::exportCsv()
{
    const auto &reports = m_results->reports();
    if (reports.empty())
        return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export timeline"), SimulationExport::defaultFileName(m_scenario, QStringLiteral("csv")),
        tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    const QByteArray out = SimulationExport::timelineCsv(reports);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(out) != out.size())
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, file.errorString()));
}

void SimulationPage::exportPng()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save charts"), SimulationExport::defaultFileName(m_scenario, QStringLiteral("png")),
        tr("PNG (*.png)"));
    if (!path.isEmpty() && !m_charts->image().save(path))
        QMessageBox::warning(this, tr("Save charts"), tr("Could not write %1").arg(path));
}

void SimulationPage::refreshHistory()
{
    if (m_pg.isEmpty())
        return;
    QMetaObject::invokeMethod(m_runner, "loadHistory", Qt::QueuedConnection, Q_ARG(QString, m_pg));
}

void SimulationPage::reopen(qint64 id, const QString &json)
{
    try {
        auto report = SimulationResults::fromJson(json.toUtf8());
        const QString strategy = QString::fromLatin1(inv::Strategy::kindName(report->config.strategy));
        if (m_results->reports().empty() || isRunning()) {
            m_charts->clear();
            m_chartRuns.clear();
            m_stats->statsModel()->clear();
            m_statsRuns.clear();
        }
        m_queue << strategy;
        m_scenario = QString::fromLatin1(inv::SimulationConfig::scenarioName(report->config.scenario));
        m_charts->setThresholds(report->slos);
        beginRun(QStringLiteral("#%1 %2").arg(id).arg(strategy), strategy);
        m_charts->setTimeline(m_chartRuns.back(), report->timeline);
        m_charts->setEvents(m_chartRuns.back(), report->events);
        m_stats->statsModel()->setReport(m_statsRuns.back(), *report);
        m_results->addRun(report);
        m_tabs->setCurrentIndex(0);
        log(tr("reopened run #%1 (%2)").arg(id).arg(strategy));
    } catch (const std::exception &e) {
        log(tr("could not reopen run #%1: %2").arg(id).arg(QString::fromUtf8(e.what())));
    }
}
