#include "sim/loadsweep.h"

#include "errors.h"
#include "sim/simulation.h"

#include <cmath>

namespace inv {

LoadSweep::LoadSweep(SimulationConfig base, SweepRange range, double stepSeconds)
    : m_base(std::move(base)), m_range(range), m_stepSeconds(stepSeconds)
{}

void LoadSweep::validate() const
{
    if (m_base.scenario != ScenarioKind::Mixed)
        throw InvalidInput("a sweep runs the mixed scenario: give --scenario mixed, or leave --scenario out");
    if (!std::isfinite(m_stepSeconds) || m_stepSeconds < 0.5 || m_stepSeconds > 600)
        throw InvalidInput("--step-seconds must be from 0.5 to 600");
    for (double value : m_range.values())
        configFor(value).validate();
}

SimulationConfig LoadSweep::configFor(double value) const
{
    SimulationConfig config = m_base;
    config.durationSeconds = m_stepSeconds;
    if (m_range.parameter == SweepParameter::Rate)
        config.rate = value;
    else
        config.spreadConnections(static_cast<int>(value), m_base.servers);
    // Each step gets a space of its own, so no step reads what an earlier one left behind.
    config.runId.clear();
    config.sku.clear();
    return config;
}

void LoadSweep::stop()
{
    m_stopRequested = true;
    std::lock_guard lock(m_mutex);
    if (m_current)
        m_current->stop();
}

SweepResult LoadSweep::run(const StepStarted &started, const StepDone &done)
{
    validate();
    SweepResult result;
    result.range = m_range;
    result.scenario = SimulationConfig::scenarioName(m_base.scenario);
    result.strategy = Strategy::kindName(m_base.strategy);
    result.stepSeconds = m_stepSeconds;
    const std::vector<double> values = m_range.values();
    const int count = static_cast<int>(values.size());
    for (int i = 0; i < count; ++i) {
        if (m_stopRequested) {
            result.stopped = true;
            break;
        }
        if (started)
            started(i, count, values[i]);
        Simulation simulation(configFor(values[i]));
        {
            std::lock_guard lock(m_mutex);
            m_current = &simulation;
            // A stop() that came between two steps still ends this one.
            if (m_stopRequested)
                simulation.stop();
        }
        SimulationReport report;
        try {
            report = simulation.run();
        } catch (...) {
            std::lock_guard lock(m_mutex);
            m_current = nullptr;
            throw;
        }
        {
            std::lock_guard lock(m_mutex);
            m_current = nullptr;
        }
        result.steps.push_back(SweepStep::fromReport(values[i], report));
        if (done)
            done(i, count, result.steps.back());
        if (result.steps.back().stopped) {
            result.stopped = true;
            break;
        }
        if (!result.steps.back().pass)
            break;
    }
    return result;
}

} // namespace inv
