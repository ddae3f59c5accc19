#include "simulationrunner.h"

#include "db/pgconnection.h"
#include "errors.h"

#include <QThread>

Q_DECLARE_METATYPE(inv::SimulationConfig)

SimulationRunner::SimulationRunner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<ReportHandle>();
    qRegisterMetaType<QList<HistoryEntry>>();
    qRegisterMetaType<QList<inv::SimulationConfig>>();
}

inv::SimulationSnapshot SimulationRunner::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_current ? m_current->snapshot() : inv::SimulationSnapshot{};
}

void SimulationRunner::stop()
{
    m_stopRequested = true;
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->stop();
}

void SimulationRunner::fireFault(const inv::FaultSpec &fault)
{
    std::lock_guard lock(m_mutex);
    if (!m_current)
        throw inv::InvalidInput("no simulation is running: start one, then fire the fault while it runs");
    m_current->fireFault(fault);
}

SimulationRunner::CurrentRun::CurrentRun(SimulationRunner &runner, inv::Simulation &simulation)
    : m_runner(runner)
{
    std::lock_guard lock(m_runner.m_mutex);
    m_runner.m_current = &simulation;
    // A stop() that arrived between two runs of a compare still stops this one.
    if (m_runner.m_stopRequested)
        simulation.stop();
}

SimulationRunner::CurrentRun::~CurrentRun()
{
    std::lock_guard lock(m_runner.m_mutex);
    m_runner.m_current = nullptr;
}

void SimulationRunner::runAll(const QList<inv::SimulationConfig> &configs)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_stopRequested = false;
    m_running = true;
    for (qsizetype i = 0; i < configs.size() && !m_stopRequested; ++i) {
        const auto &config = configs.at(i);
        emit runStarted(static_cast<int>(i), QString::fromLatin1(inv::Strategy::kindName(config.strategy)));
        try {
            inv::Simulation simulation(config);
            // Unpublished before `simulation` is destroyed, on every way out of this scope: the GUI's
            // timer may call snapshot() at any moment.
            const CurrentRun current(*this, simulation);
            auto report = std::make_shared<inv::SimulationReport>(simulation.run(
                {}, [this](const std::string &text) { emit phase(QString::fromStdString(text)); }));
            store(*report);
            emit runFinished(static_cast<int>(i), ReportHandle{report});
        } catch (const std::exception &e) {
            emit runFailed(static_cast<int>(i), QString::fromUtf8(e.what()));
        }
    }
    m_running = false;
    emit allFinished(m_stopRequested.load());
}

void SimulationRunner::save(const inv::SimulationReport &report)
{
    inv::PgConnection db(report.config.pgConninfo);
    db.exec("INSERT INTO simulation_runs (scenario, strategy, passed, report) VALUES ($1, $2, $3, $4::jsonb)",
            {std::string(inv::SimulationConfig::scenarioName(report.config.scenario)),
             std::string(inv::Strategy::kindName(report.config.strategy)),
             std::string(report.allSlosPass() ? "true" : "false"), report.toJson()});
}

void SimulationRunner::store(const inv::SimulationReport &report)
{
    try {
        save(report);
    } catch (const std::exception &e) {
        emit phase(tr("the run could not be saved to the history: %1").arg(QString::fromUtf8(e.what())));
    }
}

void SimulationRunner::loadHistory(const QString &pgConninfo)
{
    try {
        inv::PgConnection db(pgConninfo.toStdString());
        auto rows =
            db.exec("SELECT id, to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS'), scenario, strategy, passed, "
                    "coalesce(report->'slo', '[]'), coalesce(report->>'stopped', 'false') "
                    "FROM simulation_runs ORDER BY id DESC LIMIT 200");
        QList<HistoryEntry> entries;
        for (int r = 0; r < rows.rows(); ++r)
            entries.push_back({rows.int64(r, 0), QString::fromStdString(rows.text(r, 1)),
                               QString::fromStdString(rows.text(r, 2)),
                               QString::fromStdString(rows.text(r, 3)), rows.text(r, 4) == "t",
                               QByteArray::fromStdString(rows.text(r, 5)), rows.text(r, 6) == "true"});
        emit historyLoaded(entries);
    } catch (const std::exception &e) {
        emit historyFailed(QString::fromUtf8(e.what()));
    }
}

void SimulationRunner::loadReport(const QString &pgConninfo, qint64 id)
{
    try {
        inv::PgConnection db(pgConninfo.toStdString());
        auto rows = db.exec("SELECT report::text FROM simulation_runs WHERE id = $1", {std::to_string(id)});
        if (rows.rows() == 1)
            emit reportLoaded(id, QString::fromStdString(rows.text(0, 0)));
    } catch (const std::exception &e) {
        emit historyFailed(QString::fromUtf8(e.what()));
    }
}
