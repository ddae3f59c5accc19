#include "agentrunner.h"

#include "agents/agentcoordinator.h"

#include <QThread>

AgentRunner::AgentRunner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<ReportHandle>();
}

inv::AgentsSnapshot AgentRunner::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_current ? m_current->snapshot() : m_last;
}

void AgentRunner::stop()
{
    m_stopRequested = true;
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->stop();
}

AgentRunner::CurrentRun::CurrentRun(AgentRunner &runner, inv::AgentCoordinator &coordinator)
    : m_runner(runner)
{
    std::lock_guard lock(m_runner.m_mutex);
    m_runner.m_current = &coordinator;
    m_runner.m_last = {};
    if (m_runner.m_stopRequested)
        coordinator.stop();
}

AgentRunner::CurrentRun::~CurrentRun()
{
    std::lock_guard lock(m_runner.m_mutex);
    m_runner.m_last = m_runner.m_current->snapshot();
    m_runner.m_current = nullptr;
}

void AgentRunner::runAll(const QList<inv::SimulationConfig> &configs, const QString &selection)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_stopRequested = false;
    m_running = true;
    for (qsizetype i = 0; i < configs.size() && !m_stopRequested; ++i) {
        const auto &config = configs.at(i);
        emit runStarted(static_cast<int>(i), QString::fromLatin1(inv::Strategy::kindName(config.strategy)));
        try {
            inv::AgentCoordinator coordinator(config, selection.toStdString(), INVENTORY_VERSION);
            std::shared_ptr<inv::SimulationReport> report;
            {
                const CurrentRun current(*this, coordinator);
                report = std::make_shared<inv::SimulationReport>(coordinator.run(
                    {}, [this](const std::string &text) { emit phase(QString::fromStdString(text)); }));
            }
            try {
                SimulationRunner::save(*report);
            } catch (const std::exception &e) {
                emit phase(
                    tr("the run could not be saved to the history: %1").arg(QString::fromUtf8(e.what())));
            }
            emit runFinished(static_cast<int>(i), ReportHandle{report});
        } catch (const std::exception &e) {
            emit runFailed(static_cast<int>(i), QString::fromUtf8(e.what()));
        }
    }
    m_running = false;
    emit allFinished(m_stopRequested.load());
}
