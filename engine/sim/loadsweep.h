// A load sweep: short runs of the mixed scenario, one after another, with the arrival rate or the
// client connections rising step by step, until a step breaks an SLO; the result names the knee. A
// step of N connections spreads them over the base's servers (over N servers when N is fewer).
// run() blocks the calling thread; stop() may be called from any other thread (or a signal watcher)
// and ends the step going on, whose partial report has no verdict.
#pragma once

#include "sim/simulationconfig.h"
#include "sim/sweepresult.h"

#include <atomic>
#include <functional>
#include <mutex>

namespace inv {

class Simulation;

class LoadSweep
{
public:
    using StepStarted = std::function<void(int index, int count, double value)>;
    using StepDone = std::function<void(int index, int count, const SweepStep &step)>;

    // `base` gives every parameter but the swept one; its scenario must be mixed.
    LoadSweep(SimulationConfig base, SweepRange range, double stepSeconds = kDefaultStepSeconds);

    // Checks the configuration of every step before any runs; throws InvalidInput naming the problem.
    void validate() const;
    // Throws what Simulation::run throws (DbError when PostgreSQL is unreachable, ...). The steps run
    // on fresh data; the sweep ends at the first step that fails an SLO, after the last, or on stop().
    SweepResult run(const StepStarted &started = {}, const StepDone &done = {});
    void stop();
    // The configuration of the step that runs `value`.
    SimulationConfig configFor(double value) const;
    const SweepRange &range() const { return m_range; }

    static constexpr double kDefaultStepSeconds = 3;

private:
    SimulationConfig m_base;
    SweepRange m_range;
    double m_stepSeconds;
    std::atomic<bool> m_stopRequested{false};
    std::mutex m_mutex;
    Simulation *m_current = nullptr;
};

} // namespace inv
