// Runs simulations for the Simulation page in its own thread: one run, or several strategies one
// after another on fresh data (compare mode). Every finished report is stored in PostgreSQL's
// simulation_runs table. snapshot() and stop() are thread-safe and meant for the GUI thread; the
// slots run in the runner's thread and answer with queued signals.
#pragma once

#include "sim/simulation.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>

struct ReportHandle
{
    std::shared_ptr<const inv::SimulationReport> report;
};

struct HistoryEntry
{
    qint64 id = 0;
    QString finishedAt;
    QString scenario;
    QString strategy;
    bool passed = false;
    // The stored report's `slo` array (JSON) and `stopped` flag: which SLO failed, and why.
    QByteArray slos;
    bool stopped = false;
};

Q_DECLARE_METATYPE(ReportHandle)
Q_DECLARE_METATYPE(QList<HistoryEntry>)

class SimulationRunner : public QObject
{
    Q_OBJECT

public:
    explicit SimulationRunner(QObject *parent = nullptr);

    inv::SimulationSnapshot snapshot() const;
    void stop();
    // Starts a fault now in the run going on. Throws inv::InvalidInput when there is none or the
    // fault cannot run against its servers.
    void fireFault(const inv::FaultSpec &fault);
    bool isRunning() const { return m_running.load(); }
    // Stores a finished report in simulation_runs; throws what PostgreSQL throws. Any thread.
    static void save(const inv::SimulationReport &report);

public slots:
    // Runs `configs` in order; each gets fresh products.
    void runAll(const QList<inv::SimulationConfig> &configs);
    void loadHistory(const QString &pgConninfo);
    void loadReport(const QString &pgConninfo, qint64 id);

signals:
    void runStarted(int index, const QString &strategy);
    void phase(const QString &text);
    void runFinished(int index, const ReportHandle &report);
    void runFailed(int index, const QString &message);
    void allFinished(bool stopped);
    void historyLoaded(const QList<HistoryEntry> &entries);
    void reportLoaded(qint64 id, const QString &json);
    void historyFailed(const QString &message);

private:
    // Publishes the running simulation to snapshot() and stop() for its own lifetime, which ends
    // before the simulation's.
    class CurrentRun
    {
    public:
        CurrentRun(SimulationRunner &runner, inv::Simulation &simulation);
        ~CurrentRun();
        CurrentRun(const CurrentRun &) = delete;
        CurrentRun &operator=(const CurrentRun &) = delete;

    private:
        SimulationRunner &m_runner;
    };

    void store(const inv::SimulationReport &report);

    mutable std::mutex m_mutex;
    inv::Simulation *m_current = nullptr;
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_running{false};
};
