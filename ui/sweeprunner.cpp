#include "sweeprunner.h"

#include <QThread>

SweepRunner::SweepRunner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<inv::SweepRange>();
    qRegisterMetaType<inv::SweepStep>();
    qRegisterMetaType<inv::SweepResult>();
}

void SweepRunner::stop()
{
    m_stopRequested = true;
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->stop();
}

void SweepRunner::runAll(const QList<inv::SimulationConfig> &configs, const inv::SweepRange &range,
                         double stepSeconds)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_stopRequested = false;
    m_running = true;
    for (const inv::SimulationConfig &config : configs) {
        if (m_stopRequested)
            break;
        const QString strategy = QString::fromLatin1(inv::Strategy::kindName(config.strategy));
        try {
            inv::LoadSweep sweep(config, range, stepSeconds);
            {
                std::lock_guard lock(m_mutex);
                m_current = &sweep;
            }
            // Unpublished on every way out, before `sweep` is destroyed.
            struct Unpublish
            {
                SweepRunner &runner;
                ~Unpublish()
                {
                    std::lock_guard lock(runner.m_mutex);
                    runner.m_current = nullptr;
                }
            } unpublish{*this};
            if (m_stopRequested)
                sweep.stop();
            const inv::SweepResult result = sweep.run(
                [&](int index, int count, double value) { emit stepStarted(strategy, index, count, value); },
                [&](int, int, const inv::SweepStep &step) { emit stepFinished(strategy, step); });
            emit sweepFinished(strategy, result);
        } catch (const std::exception &e) {
            emit sweepFailed(strategy, QString::fromUtf8(e.what()));
        }
    }
    m_running = false;
    emit allFinished(m_stopRequested.load());
}
