#include "simulationpage.h"

#include "simulationcharts.h"
#include "simulationresults.h"
#include "simulationrunner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {
QSpinBox *spin(int min, int max, int value, QWidget *parent, const QString &suffix = {})
{
    auto *box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setGroupSeparatorShown(true);
    return box;
}

QDoubleSpinBox *dspin(double min, double max, double value, double step, QWidget *parent,
                      const QString &suffix = {})
{
    auto *box = new QDoubleSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSingleStep(step);
    box->setSuffix(suffix);
    return box;
}
} // namespace

SimulationPage::SimulationPage(QWidget *parent)
    : QWidget(parent), m_runner(new SimulationRunner), m_charts(new SimulationCharts(this)),
      m_results(new SimulationResults(this)), m_log(new QPlainTextEdit(this)),
      m_history(new QTableWidget(this)), m_tabs(new QTabWidget(this))
{
    m_runner->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("simulation"));
    m_thread.start();
    connect(m_runner, &SimulationRunner::runStarted, this, &SimulationPage::onRunStarted);
    connect(m_runner, &SimulationRunner::runFinished, this, &SimulationPage::onRunFinished);
    connect(m_runner, &SimulationRunner::runFailed, this,
            [this](int, const QString &message) { log(tr("run failed: %1").arg(message)); });
    connect(m_runner, &SimulationRunner::phase, this, &SimulationPage::log);
    connect(m_runner, &SimulationRunner::allFinished, this, &SimulationPage::onAllFinished);
    connect(m_runner, &SimulationRunner::historyLoaded, this, &SimulationPage::showHistory);
    connect(m_runner, &SimulationRunner::reportLoaded, this, &SimulationPage::reopen);
    connect(m_runner, &SimulationRunner::historyFailed, this,
            [this](const QString &message) { log(tr("history: %1").arg(message)); });

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_status = new QLabel(tr("Choose a scenario and press Start."), this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_history->setColumnCount(5);
    m_history->setHorizontalHeaderLabels(
        {tr("Id"), tr("Finished"), tr("Scenario"), tr("Strategy"), tr("SLOs")});
    m_history->horizontalHeader()->setStretchLastSection(true);
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_history->verticalHeader()->setVisible(false);
    connect(m_history, &QTableWidget::cellDoubleClicked, this, [this](int row) {
        const qint64 id = m_history->item(row, 0)->text().toLongLong();
        QMetaObject::invokeMethod(m_runner, "loadReport", Qt::QueuedConnection, Q_ARG(QString, m_pg),
                                  Q_ARG(qint64, id));
    });

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

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_charts);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *right = new QVBoxLayout;
    auto *top = new QHBoxLayout;
    m_progress->setFixedWidth(220);
    top->addWidget(m_progress);
    top->addWidget(m_status, 1);
    right->addLayout(top);
    right->addWidget(split, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(buildForm());
    layout->addLayout(right, 1);

    m_poll.setInterval(200);
    connect(&m_poll, &QTimer::timeout, this, &SimulationPage::poll);
    // The event loop's lateness: a 50 ms timer, and how late each tick arrives.
    m_lagTimer.setTimerType(Qt::PreciseTimer);
    m_lagTimer.setInterval(50);
    connect(&m_lagTimer, &QTimer::timeout, this, [this] {
        const qint64 now = m_lagClock.elapsed();
        m_lags.push_back(std::max<qint64>(0, now - m_lagExpected));
        m_lagExpected = now + 50;
    });
    applyPreset();
}

SimulationPage::~SimulationPage()
{
    m_runner->stop();
    m_thread.quit();
    m_thread.wait();
}

QWidget *SimulationPage::buildForm()
{
    auto *form = new QWidget;
    auto *layout = new QFormLayout(form);
    m_scenario = new QComboBox(form);
    m_scenario->addItem(tr("Flash sale"), QStringLiteral("flash-sale"));
    m_scenario->addItem(tr("Mixed load"), QStringLiteral("mixed"));
    m_scenario->addItem(tr("Stampede"), QStringLiteral("stampede"));
    layout->addRow(tr("Scenario"), m_scenario);
    auto *strategies = new QWidget(form);
    auto *grid = new QGridLayout(strategies);
    grid->setContentsMargins(0, 0, 0, 0);
    const QStringList names{QStringLiteral("naive"), QStringLiteral("unsafe"), QStringLiteral("locked"),
                            QStringLiteral("versioned")};
    for (int i = 0; i < names.size(); ++i) {
        auto *box = new QCheckBox(names.at(i), strategies);
        box->setChecked(names.at(i) == QLatin1String("versioned"));
        box->setStyleSheet(QStringLiteral("QCheckBox { color: %1; font-weight: bold; }")
                               .arg(SimulationCharts::colorFor(names.at(i)).name()));
        grid->addWidget(box, i / 2, i % 2);
        m_strategies.push_back(box);
    }
    layout->addRow(tr("Strategies"), strategies);
    m_servers = spin(1, 64, 4, form);
    m_connections = spin(1, 64, 4, form);
    m_buyers = spin(1, 10'000'000, 10'000, form);
    m_stock = spin(0, 1'000'000, 100, form);
    m_quantity = spin(1, 1'000'000, 1, form);
    m_rate = spin(1, 1'000'000, 2000, form, tr(" /s"));
    m_duration = dspin(0.5, 3600, 10, 1, form, tr(" s"));
    m_readRatio = dspin(0, 1, 0.9, 0.05, form);
    m_products = spin(1, 1'000'000, 1000, form);
    m_skew = dspin(0, 5, 0.99, 0.1, form);
    m_readers = spin(1, 10'000, 200, form);
    m_rounds = spin(1, 1000, 5, form);
    m_raceDelay = spin(0, 1000, 0, form, tr(" ms"));
    m_ttl = spin(1, 86'400'000, 30'000, form, tr(" ms"));
    layout->addRow(tr("Servers"), m_servers);
    layout->addRow(tr("Connections each"), m_connections);
    layout->addRow(tr("Buyers"), m_buyers);
    layout->addRow(tr("Stock"), m_stock);
    layout->addRow(tr("Quantity"), m_quantity);
    layout->addRow(tr("Rate"), m_rate);
    layout->addRow(tr("Duration"), m_duration);
    layout->addRow(tr("Read ratio"), m_readRatio);
    layout->addRow(tr("Products"), m_products);
    layout->addRow(tr("Zipf skew"), m_skew);
    layout->addRow(tr("Readers"), m_readers);
    layout->addRow(tr("Rounds"), m_rounds);
    layout->addRow(tr("Race delay"), m_raceDelay);
    layout->addRow(tr("Cache TTL"), m_ttl);
    m_logLatency = new QCheckBox(tr("logarithmic latency axis"), form);
    layout->addRow(m_logLatency);
    m_start = new QPushButton(tr("Start"), form);
    m_start->setShortcut(QKeySequence(Qt::Key_F9));
    m_start->setToolTip(tr("Run the scenario for each checked strategy (F9)"));
    m_stopButton = new QPushButton(tr("Stop"), form);
    m_stopButton->setEnabled(false);
    m_demo = new QPushButton(tr("Race-condition demo"), form);
    m_demo->setToolTip(
        tr("Flash sale with a 5 ms race delay: naive and unsafe against locked and versioned"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stopButton);
    layout->addRow(buttons);
    layout->addRow(m_demo);
    connect(m_scenario, &QComboBox::currentIndexChanged, this, &SimulationPage::applyPreset);
    connect(m_start, &QPushButton::clicked, this, [this] {
        QStringList chosen;
        for (auto *box : m_strategies)
            if (box->isChecked())
                chosen << box->text();
        if (chosen.isEmpty()) {
            m_status->setText(tr("Check at least one strategy."));
            return;
        }
        start(m_scenario->currentData().toString(), chosen);
    });
    connect(m_stopButton, &QPushButton::clicked, this, &SimulationPage::stop);
    connect(m_demo, &QPushButton::clicked, this, &SimulationPage::startRaceDemo);
    connect(m_logLatency, &QCheckBox::toggled, m_charts, &SimulationCharts::setLogLatency);

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    scroll->setFixedWidth(300);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

void SimulationPage::applyPreset()
{
    const QString scenario = m_scenario->currentData().toString();
    const bool flash = scenario == QLatin1String("flash-sale");
    const bool mixed = scenario == QLatin1String("mixed");
    const bool stampede = scenario == QLatin1String("stampede");
    for (QWidget *w : std::initializer_list<QWidget *>{m_buyers, m_quantity})
        w->setEnabled(flash);
    for (QWidget *w : std::initializer_list<QWidget *>{m_rate, m_duration, m_readRatio, m_skew})
        w->setEnabled(mixed);
    m_readers->setEnabled(stampede);
    m_rounds->setEnabled(stampede);
    m_products->setEnabled(!flash);
    m_stock->setValue(flash ? 100 : mixed ? 1'000'000 : 1000);
    m_products->setValue(stampede ? 5 : 1000);
    m_ttl->setValue(stampede ? 300 : 30'000);
}

inv::SimulationConfig SimulationPage::configFor(const QString &strategy) const
{
    inv::SimulationConfig c;
    c.scenario = inv::SimulationConfig::parseScenario(m_scenario->currentData().toString().toStdString());
    c.strategy = inv::Strategy::parseKind(strategy.toStdString());
    c.pgConninfo = m_pg.toStdString();
    c.redisUrl = m_redis.toStdString();
    c.servers = m_servers->value();
    c.connections = m_connections->value();
    c.buyers = m_buyers->value();
    c.stock = m_stock->value();
    c.quantity = m_quantity->value();
    c.rate = m_rate->value();
    c.durationSeconds = m_duration->value();
    c.readRatio = m_readRatio->value();
    c.products = m_products->value();
    c.skew = m_skew->value();
    c.readers = m_readers->value();
    c.rounds = m_rounds->value();
    c.raceDelay = std::chrono::milliseconds(m_raceDelay->value());
    c.ttl = std::chrono::milliseconds(m_ttl->value());
    return c;
}

void SimulationPage::setConnection(const QString &pg, const QString &redis)
{
    m_pg = pg;
    m_redis = redis;
    refreshHistory();
}

void SimulationPage::selectScenario(const QString &scenario)
{
    const int index = m_scenario->findData(scenario);
    if (index >= 0)
        m_scenario->setCurrentIndex(index);
}

bool SimulationPage::setParameter(const QString &name, double value)
{
    const std::pair<const char *, QSpinBox *> spins[] = {{"race-delay-ms", m_raceDelay},
                                                         {"buyers", m_buyers},
                                                         {"stock", m_stock},
                                                         {"rate", m_rate},
                                                         {"servers", m_servers},
                                                         {"connections", m_connections},
                                                         {"products", m_products},
                                                         {"readers", m_readers}};
    for (const auto &[key, box] : spins) {
        if (name == QLatin1String(key)) {
            box->setValue(static_cast<int>(value));
            return true;
        }
    }
    if (name == QLatin1String("duration")) {
        m_duration->setValue(value);
        return true;
    }
    return false;
}

bool SimulationPage::isRunning() const
{
    return m_runner->isRunning() || m_currentRun >= 0;
}

void SimulationPage::start(const QString &scenario, const QStringList &strategies)
{
    if (isRunning())
        return;
    if (m_pg.isEmpty()) {
        m_status->setText(tr("Not connected: connect or start the sandbox first."));
        return;
    }
    const int index = m_scenario->findData(scenario);
    if (index >= 0 && index != m_scenario->currentIndex())
        m_scenario->setCurrentIndex(index);
    QList<inv::SimulationConfig> configs;
    try {
        for (const auto &s : strategies) {
            configs.push_back(configFor(s));
            configs.back().validate();
        }
    } catch (const std::exception &e) {
        m_status->setText(tr("Invalid parameters: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    m_queue = strategies;
    for (auto *box : m_strategies)
        box->setChecked(strategies.contains(box->text()));
    m_charts->clear();
    m_chartRuns.clear();
    m_results->clearRuns();
    m_log->clear();
    m_lags.clear();
    m_lagClock.start();
    m_lagExpected = 50;
    m_lagTimer.start();
    m_start->setEnabled(false);
    m_demo->setEnabled(false);
    m_stopButton->setEnabled(true);
    m_currentRun = 0;
    log(tr("%1 for %2").arg(m_scenario->currentText(), strategies.join(QStringLiteral(", "))));
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, configs] { runner->runAll(configs); }, Qt::QueuedConnection);
    m_poll.start();
}

void SimulationPage::startRaceDemo()
{
    m_scenario->setCurrentIndex(m_scenario->findData(QStringLiteral("flash-sale")));
    m_raceDelay->setValue(5);
    m_buyers->setValue(3000);
    m_stock->setValue(100);
    for (auto *box : m_strategies)
        box->setChecked(true);
    start(QStringLiteral("flash-sale"), {QStringLiteral("naive"), QStringLiteral("unsafe"),
                                         QStringLiteral("locked"), QStringLiteral("versioned")});
}

void SimulationPage::stop()
{
    m_runner->stop();
    log(tr("stopping: the run in progress finishes its checks"));
}

void SimulationPage::onRunStarted(int index, const QString &strategy)
{
    m_currentRun = index;
    m_runClock.start();
    m_chartRuns.push_back(
        m_charts->beginRun(m_queue.size() > 1 ? strategy : QString(), SimulationCharts::colorFor(strategy)));
    log(tr("run %1 of %2: %3").arg(index + 1).arg(m_queue.size()).arg(strategy));
}

void SimulationPage::poll()
{
    if (m_currentRun < 0 || m_chartRuns.empty())
        return;
    const inv::SimulationSnapshot snapshot = m_runner->snapshot();
    if (!snapshot.timeline.empty())
        m_charts->setTimeline(m_chartRuns.back(), snapshot.timeline);
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
    if (index < static_cast<int>(m_chartRuns.size()))
        m_charts->setTimeline(m_chartRuns[static_cast<std::size_t>(index)], report.timeline);
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
    m_start->setEnabled(true);
    m_demo->setEnabled(true);
    m_stopButton->setEnabled(false);
    const bool passed = m_results->allPassed();
    m_status->setText(
        (stopped ? tr("Stopped. ") : QString()) +
        (passed ? tr("<span style='color:#268b46'><b>Every SLO passed.</b></span>")
                : tr("<span style='color:#dc322f'><b>SLOs failed</b></span> — see the results table.")) +
        tr(" UI lag p99 %1 ms.").arg(uiLagP99(), 0, 'f', 0));
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
    const QString path = QFileDialog::getSaveFileName(this, tr("Export report"),
                                                      QStringLiteral("report.json"), tr("JSON (*.json)"));
    if (path.isEmpty())
        return;
    QByteArray out;
    if (reports.size() == 1) {
        out = QByteArray::fromStdString(reports.front()->toJson());
    } else {
        out = "[\n";
        for (std::size_t i = 0; i < reports.size(); ++i)
            out += QByteArray::fromStdString(reports[i]->toJson()) + (i + 1 < reports.size() ? ",\n" : "\n");
        out += "]\n";
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size())
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, file.errorString()));
}

void SimulationPage::exportCsv()
{
    const auto &reports = m_results->reports();
    if (reports.empty())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export timeline"),
                                                      QStringLiteral("timeline.csv"), tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, file.errorString()));
        return;
    }
    file.write(
        "strategy,t,rps,ok_rps,rejected_rps,read_p50_ms,read_p99_ms,write_p50_ms,write_p99_ms,hit_rate,"
        "lock_busy,lock_wait_p99_ms,stale_reads,divergent_keys,oversold,hot_db_stock,hot_cache_stock\n");
    for (const auto &r : reports)
        for (const auto &p : r->timeline)
            file.write(QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17\n")
                           .arg(QString::fromLatin1(inv::Strategy::kindName(r->config.strategy)))
                           .arg(p.t)
                           .arg(p.rps)
                           .arg(p.okPerSecond)
                           .arg(p.rejectedPerSecond)
                           .arg(p.readP50Ms)
                           .arg(p.readP99Ms)
                           .arg(p.writeP50Ms)
                           .arg(p.writeP99Ms)
                           .arg(p.hitRate)
                           .arg(p.lockBusyPerSecond)
                           .arg(p.lockWaitP99Ms)
                           .arg(p.staleReads)
                           .arg(p.divergentKeys)
                           .arg(p.oversold)
                           .arg(p.hotDbStock)
                           .arg(p.hotCacheStock)
                           .toUtf8());
}

void SimulationPage::exportPng()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save charts"), QStringLiteral("charts.png"),
                                                      tr("PNG (*.png)"));
    if (!path.isEmpty() && !m_charts->grab().save(path))
        QMessageBox::warning(this, tr("Save charts"), tr("Could not write %1").arg(path));
}

void SimulationPage::refreshHistory()
{
    if (m_pg.isEmpty())
        return;
    QMetaObject::invokeMethod(m_runner, "loadHistory", Qt::QueuedConnection, Q_ARG(QString, m_pg));
}

void SimulationPage::showHistory(const QList<HistoryEntry> &entries)
{
    m_history->setRowCount(static_cast<int>(entries.size()));
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const auto &e = entries.at(i);
        const int row = static_cast<int>(i);
        m_history->setItem(row, 0, new QTableWidgetItem(QString::number(e.id)));
        m_history->setItem(row, 1, new QTableWidgetItem(e.finishedAt));
        m_history->setItem(row, 2, new QTableWidgetItem(e.scenario));
        m_history->setItem(row, 3, new QTableWidgetItem(e.strategy));
        auto *verdict = new QTableWidgetItem(e.passed ? tr("✓ passed") : tr("✗ failed"));
        verdict->setForeground(e.passed ? QColor(38, 139, 70) : QColor(220, 50, 47));
        m_history->setItem(row, 4, verdict);
    }
}

void SimulationPage::reopen(qint64 id, const QString &json)
{
    try {
        auto report = SimulationResults::fromJson(json.toUtf8());
        const QString strategy = QString::fromLatin1(inv::Strategy::kindName(report->config.strategy));
        if (m_results->reports().empty() || isRunning()) {
            m_charts->clear();
            m_chartRuns.clear();
        }
        m_queue << strategy;
        const int run = m_charts->beginRun(QStringLiteral("#%1 %2").arg(id).arg(strategy),
                                           SimulationCharts::colorFor(strategy));
        m_charts->setTimeline(run, report->timeline);
        m_results->addRun(report);
        m_tabs->setCurrentIndex(0);
        log(tr("reopened run #%1 (%2)").arg(id).arg(strategy));
    } catch (const std::exception &e) {
        log(tr("could not reopen run #%1: %2").arg(id).arg(QString::fromUtf8(e.what())));
    }
}
