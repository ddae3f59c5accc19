// Runs a simulation run's scheduled faults (the Jepsen "nemesis") on its own thread: pauses, kills
// and restarts the sandbox's Redis, pauses a Redis's clients, terminates the run's PostgreSQL
// backends, restarts the sandbox's PostgreSQL. Each fault marks "<kind> starts" and "<kind> ends" on
// the run's time line and is recorded with when it really began and ended. check() refuses, before
// anything runs, faults that cannot run against the run's servers. A run started on demand also
// takes faults fired while it goes on (fire(), from any thread), until finish(). start() and
// finish() are called by the thread that owns the run; outcomes() may be called from any thread.
#pragma once

#include "sandbox/resumeguard.h"
#include "sim/faultspec.h"
#include "sim/faulttargets.h"
#include "sim/simulationcontext.h"
#include "sim/simulationreport.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace inv {

class PgConnection;

class Nemesis
{
public:
    using EventSink = std::function<void(std::string, SimClock::time_point)>;
    static constexpr std::chrono::milliseconds kTerminateInterval{50};

    Nemesis(std::vector<FaultSpec> faults, NemesisTargets targets, EventSink events);
    ~Nemesis();
    Nemesis(const Nemesis &) = delete;
    Nemesis &operator=(const Nemesis &) = delete;

    // Throws InvalidInput when a fault cannot run against `targets` (NemesisTargets::check).
    static void check(const std::vector<FaultSpec> &faults, const NemesisTargets &targets)
    {
        targets.check(faults);
    }

    // Starts the schedule: each fault's START counts from origin (the start of the run's time line).
    // With onDemand, the nemesis runs even with nothing scheduled and takes faults from fire().
    void start(SimClock::time_point origin, bool onDemand = false);
    // Starts `fault` now (its START is ignored). Throws InvalidInput when it cannot run here (as
    // check()) or when the nemesis was not started on demand or has finished.
    void fire(FaultSpec fault);
    // Ends the schedule: faults in progress end now (Redis and PostgreSQL run again when it
    // returns), faults not started yet are skipped with a note. Idempotent.
    void finish();
    // Whether any fault was scheduled or fired; valid after finish().
    bool empty() const { return m_faults.empty(); }
    bool running() const { return m_thread.joinable(); }
    // One per fault, in the order given; times in seconds since origin, -1 when not reached yet.
    std::vector<FaultOutcome> outcomes() const;
    // When the last fault ended (origin if none did).
    SimClock::time_point lastEnd() const;
    // Whether any fault touched Redis: then the caches must be trusted again before the end checks.
    bool touchesRedis() const;

private:
    enum class State
    {
        Pending,
        Active,
        Done
    };
    void loop(std::stop_token stop);
    // Moves the faults fired since the last call into the schedule. Nemesis thread only.
    void takeFired();
    void begin(std::size_t fault);
    void end(std::size_t fault);
    void terminateBackends(std::size_t fault);
    int redisPid() const;
    void note(std::size_t fault, const std::string &text);
    double secondsAt(SimClock::time_point at) const;

    std::vector<FaultSpec> m_faults;
    NemesisTargets m_targets;
    EventSink m_events;
    SimClock::time_point m_origin;
    // Touched by the nemesis thread only.
    std::vector<State> m_state;
    std::vector<SimClock::time_point> m_nextTerminate;
    std::vector<int> m_signalledPid;
    // One per redis-pause in force: resumes Redis if this process ends before the fault does.
    std::vector<std::unique_ptr<ResumeGuard>> m_guards;
    std::vector<long long> m_terminated;
    std::unique_ptr<PgConnection> m_terminator;
    mutable std::mutex m_mutex;
    // Guarded by m_mutex: faults fired and not yet taken, and whether fire() is open.
    std::vector<FaultSpec> m_fired;
    bool m_acceptsFired = false;
    std::condition_variable_any m_wake;
    std::vector<FaultOutcome> m_outcomes;
    SimClock::time_point m_lastEnd;
    std::jthread m_thread;
};

} // namespace inv
