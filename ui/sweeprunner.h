// Runs load sweeps for the Simulation page in its own thread: one LoadSweep per strategy, one after
// another, each step on fresh data. stop() is thread-safe and meant for the GUI thread; runAll runs
// in the runner's thread and answers with queued signals.
#pragma once

#include "sim/loadsweep.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <mutex>

Q_DECLARE_METATYPE(inv::SweepRange)
Q_DECLARE_METATYPE(inv::SweepStep)
Q_DECLARE_METATYPE(inv::SweepResult)

class SweepRunner : public QObject
{
    Q_OBJECT

public:
    explicit SweepRunner(QObject *parent = nullptr);

    void stop();
    bool isRunning() const { return m_running.load(); }

public slots:
    // Sweeps `range` for each configuration (one per strategy) in order.
    void runAll(const QList<inv::SimulationConfig> &configs, const inv::SweepRange &range,
                double stepSeconds);

signals:
    void stepStarted(const QString &strategy, int index, int count, double value);
    void stepFinished(const QString &strategy, const inv::SweepStep &step);
    void sweepFinished(const QString &strategy, const inv::SweepResult &result);
    void sweepFailed(const QString &strategy, const QString &message);
    void allFinished(bool stopped);

private:
    std::mutex m_mutex;
    inv::LoadSweep *m_current = nullptr;
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_running{false};
};
