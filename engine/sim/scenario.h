// A load shape: how many operations of which kind, on which keys, at what times. run() blocks the
// calling thread while its own worker threads drive the load, and returns when the load is done
// or the context's stop token fires. progress() may be read from another thread at any time.
#pragma once

#include "sim/simulationcontext.h"

#include <atomic>
#include <memory>

namespace inv {

class Scenario
{
public:
    virtual ~Scenario() = default;
    static std::unique_ptr<Scenario> create(ScenarioKind kind);

    // How many keys the run creates and the stock each starts with.
    virtual int keyCount(const SimulationConfig &config) const = 0;
    // Sets up what the load needs before it is timed (the event loops' connections, say).
    virtual void prepare(SimulationContext &) {}
    virtual void run(SimulationContext &context) = 0;
    // Stops what prepare() started and waits for it: no loop thread runs a callback after this
    // returns. Simulation::run calls it on every way out, before the servers, the context and the
    // monitor that those callbacks touch are destroyed.
    virtual void release() {}
    // 0 to 1.
    double progress() const { return m_progress.load(std::memory_order_relaxed); }
    // The keys worth watching live, hottest first.
    virtual std::vector<int> hotKeys(const SimulationConfig &config) const;

    // How long the load itself lasted, from its first scheduled start to its last completion, or
    // -1 when the whole run is the load.
    double loadSeconds() const { return m_loadSeconds.load(std::memory_order_relaxed); }
    // Database fills the scenario measured itself (stampede counts only its herds), or -1.
    long long measuredFills() const { return m_fills.load(std::memory_order_relaxed); }

protected:
    void setProgress(double value) { m_progress.store(value, std::memory_order_relaxed); }
    void addFills(long long fills) { m_fills.fetch_add(fills, std::memory_order_relaxed); }
    void setLoadSeconds(double seconds) { m_loadSeconds.store(seconds, std::memory_order_relaxed); }

private:
    std::atomic<double> m_progress{0};
    std::atomic<long long> m_fills{-1};
    std::atomic<double> m_loadSeconds{-1};
};

} // namespace inv
