// Runs simulations over load agents for the Simulation page, in its own thread: each configuration
// in turn through an engine AgentCoordinator, which sends the run to the agents alive in Redis and
// merges their windows. It answers with the same queued signals as SimulationRunner, so that the
// page treats both alike, and stores every finished report in simulation_runs. snapshot(), stop()
// and isRunning() are thread-safe and meant for the GUI thread; runAll() runs in the runner's thread.
#pragma once

#include "agents/agentmerge.h"
#include "simulationrunner.h"

#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <mutex>

namespace inv {
class AgentCoordinator;
}

class AgentRunner : public QObject
{
    Q_OBJECT

public:
    explicit AgentRunner(QObject *parent = nullptr);

    // The run going on as merged so far; between runs, the last run as it ended.
    inv::AgentsSnapshot snapshot() const;
    void stop();
    bool isRunning() const { return m_running.load(); }

    // Runs `configs` in order on the agents `selection` names ("all", a count, or names).
    void runAll(const QList<inv::SimulationConfig> &configs, const QString &selection);

signals:
    void runStarted(int index, const QString &strategy);
    void phase(const QString &text);
    void runFinished(int index, const ReportHandle &report);
    void runFailed(int index, const QString &message);
    void allFinished(bool stopped);

private:
    // Publishes the coordinator to snapshot() and stop() for its own lifetime, and keeps its last
    // snapshot when it ends.
    class CurrentRun
    {
    public:
        CurrentRun(AgentRunner &runner, inv::AgentCoordinator &coordinator);
        ~CurrentRun();
        CurrentRun(const CurrentRun &) = delete;
        CurrentRun &operator=(const CurrentRun &) = delete;

    private:
        AgentRunner &m_runner;
    };

    mutable std::mutex m_mutex;
    inv::AgentCoordinator *m_current = nullptr;
    inv::AgentsSnapshot m_last;
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_running{false};
};
