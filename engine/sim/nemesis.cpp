#include "sim/nemesis.h"

#include "cache/redisconnection.h"
#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/sandbox.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <thread>

#include <signal.h>

namespace inv {

using namespace std::chrono_literals;

namespace {
bool processGone(int pid)
{
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}
} // namespace

Nemesis::Nemesis(std::vector<FaultSpec> faults, NemesisTargets targets, EventSink events)
    : m_faults(std::move(faults)), m_targets(std::move(targets)), m_events(std::move(events)),
      m_state(m_faults.size(), State::Pending), m_nextTerminate(m_faults.size()),
      m_signalledPid(m_faults.size(), 0), m_guards(m_faults.size()), m_terminated(m_faults.size(), 0)
{
    for (const auto &f : m_faults) {
        FaultOutcome o;
        o.kind = FaultSpec::kindName(f.kind);
        o.spec = f.text();
        m_outcomes.push_back(o);
    }
}

Nemesis::~Nemesis()
{
    finish();
}

void Nemesis::start(SimClock::time_point origin, bool onDemand)
{
    m_origin = origin;
    m_lastEnd = origin;
    if (m_faults.empty() && !onDemand)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_acceptsFired = onDemand;
    }
    m_thread = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void Nemesis::fire(FaultSpec fault)
{
    check({fault}, m_targets);
    std::lock_guard lock(m_mutex);
    if (!m_acceptsFired)
        throw InvalidInput("no run is taking faults now: fire a fault while a run started from the "
                           "console is going on");
    fault.start = std::chrono::duration_cast<std::chrono::milliseconds>(SimClock::now() - m_origin);
    FaultOutcome o;
    o.kind = FaultSpec::kindName(fault.kind);
    o.spec = fault.text();
    m_outcomes.push_back(o);
    m_fired.push_back(fault);
    m_wake.notify_all();
}

void Nemesis::takeFired()
{
    std::lock_guard lock(m_mutex);
    for (auto &f : m_fired) {
        m_faults.push_back(f);
        m_state.push_back(State::Pending);
        m_nextTerminate.emplace_back();
        m_signalledPid.push_back(0);
        m_guards.emplace_back();
        m_terminated.push_back(0);
    }
    m_fired.clear();
}

void Nemesis::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_acceptsFired = false;
    }
    if (!m_thread.joinable())
        return;
    m_thread.request_stop();
    m_thread.join();
    // Fired after the thread's last look: recorded as never started.
    takeFired();
    for (std::size_t i = 0; i < m_faults.size(); ++i)
        if (m_state[i] == State::Pending) {
            m_state[i] = State::Done;
            note(i, "not started: the load was over before its start");
        }
}

std::vector<FaultOutcome> Nemesis::outcomes() const
{
    std::lock_guard lock(m_mutex);
    return m_outcomes;
}

SimClock::time_point Nemesis::lastEnd() const
{
    std::lock_guard lock(m_mutex);
    return m_lastEnd;
}

bool Nemesis::touchesRedis() const
{
    return std::any_of(m_faults.begin(), m_faults.end(), [](const FaultSpec &f) { return f.touchesRedis(); });
}

double Nemesis::secondsAt(SimClock::time_point at) const
{
    return std::max(0.0, std::chrono::duration<double>(at - m_origin).count());
}

void Nemesis::note(std::size_t fault, const std::string &text)
{
    std::lock_guard lock(m_mutex);
    auto &n = m_outcomes[fault].note;
    n += (n.empty() ? "" : "; ") + text;
}

void Nemesis::loop(std::stop_token stop)
{
    for (;;) {
        takeFired();
        // The earliest thing due: a start, an end, or the next round of terminations.
        std::optional<std::size_t> next;
        SimClock::time_point due = SimClock::time_point::max();
        bool isEnd = false;
        for (std::size_t i = 0; i < m_faults.size(); ++i) {
            const auto &f = m_faults[i];
            if (m_state[i] == State::Pending && m_origin + f.start < due) {
                next = i;
                due = m_origin + f.start;
                isEnd = false;
            } else if (m_state[i] == State::Active) {
                const auto ends = m_origin + f.start + f.effectiveDuration();
                if (ends < due) {
                    next = i;
                    due = ends;
                    isEnd = true;
                }
                if (f.kind == FaultKind::PgTerminate && m_nextTerminate[i] < ends &&
                    m_nextTerminate[i] < due) {
                    next = i;
                    due = m_nextTerminate[i];
                    isEnd = false;
                }
            }
        }
        {
            std::unique_lock lock(m_mutex);
            if (!next && !m_acceptsFired)
                break;
            // Until the next thing due, a fault fired meanwhile, or the end of the run.
            const auto fired = [this] { return !m_fired.empty(); };
            if (next)
                m_wake.wait_until(lock, stop, due, fired);
            else
                m_wake.wait(lock, stop, fired);
            if (stop.stop_requested())
                break;
            if (!m_fired.empty())
                continue;
        }
        if (isEnd)
            end(*next);
        else if (m_state[*next] == State::Pending)
            begin(*next);
        else
            terminateBackends(*next);
    }
    // The run is over: nothing stays broken behind it.
    for (std::size_t i = 0; i < m_faults.size(); ++i) {
        if (m_state[i] == State::Active) {
            end(i);
            note(i, "ended early: the load was over");
        } else if (m_state[i] == State::Pending) {
            m_state[i] = State::Done;
            note(i, "not started: the load was over before its start");
        }
    }
}

int Nemesis::redisPid() const
{
    const auto pid = Sandbox(m_targets.sandboxDir).redisPid();
    if (!pid)
        throw SandboxError("the sandbox's Redis is not running in " + m_targets.sandboxDir);
    return *pid;
}

void Nemesis::begin(std::size_t i)
{
    const FaultSpec &f = m_faults[i];
    const auto started = SimClock::now();
    m_state[i] = State::Active;
    {
        std::lock_guard lock(m_mutex);
        m_outcomes[i].startS = secondsAt(started);
    }
    m_events(std::string(FaultSpec::kindName(f.kind)) + " starts", started);
    try {
        switch (f.kind) {
        case FaultKind::RedisPause:
            m_signalledPid[i] = redisPid();
            // First the guard, then the pause: no moment in which this process could die and leave
            // Redis stopped with nobody to resume it.
            m_guards[i] = std::make_unique<ResumeGuard>(m_signalledPid[i]);
            ::kill(m_signalledPid[i], SIGSTOP);
            break;
        case FaultKind::RedisKill: {
            const int pid = redisPid();
            ::kill(pid, SIGKILL);
            for (int waited = 0; waited < 200 && !processGone(pid); ++waited)
                std::this_thread::sleep_for(10ms);
            break;
        }
        case FaultKind::RedisRestart:
            Sandbox(m_targets.sandboxDir).stopRedis();
            break;
        case FaultKind::RedisClientPause: {
            RedisConnection redis(RedisUrl::parse(m_targets.redisUrl), RedisTimeouts{1000ms, 1000ms});
            const std::string ms = std::to_string(f.effectiveDuration().count());
            try {
                redis.command({"CLIENT", "PAUSE", ms, "ALL"});
            } catch (const CacheReplyError &) {
                redis.command({"CLIENT", "PAUSE", ms}); // before Redis 6.2, which added the mode
            }
            break;
        }
        case FaultKind::PgTerminate:
            m_nextTerminate[i] = started;
            terminateBackends(i);
            break;
        case FaultKind::PgRestart:
            Sandbox(m_targets.sandboxDir).stopPostgres();
            break;
        }
    } catch (const Error &e) {
        note(i, std::string("could not start: ") + e.what());
    }
}

void Nemesis::end(std::size_t i)
{
    const FaultSpec &f = m_faults[i];
    m_state[i] = State::Done;
    // A restart that fails once (a port still in TIME_WAIT, say) is tried again before giving up.
    auto twice = [&](auto action) {
        try {
            action();
        } catch (const Error &) {
            std::this_thread::sleep_for(500ms);
            action();
        }
    };
    try {
        switch (f.kind) {
        case FaultKind::RedisPause:
            if (m_signalledPid[i] > 0)
                ::kill(m_signalledPid[i], SIGCONT);
            m_guards[i].reset();
            break;
        case FaultKind::RedisKill:
        case FaultKind::RedisRestart:
            twice([&] { Sandbox(m_targets.sandboxDir).startRedis(); });
            break;
        case FaultKind::RedisClientPause:
            try {
                RedisConnection redis(RedisUrl::parse(m_targets.redisUrl), RedisTimeouts{1000ms, 1000ms});
                redis.command({"CLIENT", "UNPAUSE"}); // ended early; harmless once the pause is over
            } catch (const CacheError &) {
            }
            break;
        case FaultKind::PgTerminate:
            note(i, "terminated " + std::to_string(m_terminated[i]) + " backends");
            break;
        case FaultKind::PgRestart:
            twice([&] { Sandbox(m_targets.sandboxDir).startPostgres(); });
            break;
        }
    } catch (const Error &e) {
        note(i, std::string("could not end: ") + e.what());
    }
    const auto ended = SimClock::now();
    {
        std::lock_guard lock(m_mutex);
        m_outcomes[i].endS = secondsAt(ended);
        m_lastEnd = std::max(m_lastEnd, ended);
    }
    m_events(std::string(FaultSpec::kindName(f.kind)) + " ends", ended);
}

void Nemesis::terminateBackends(std::size_t i)
{
    m_nextTerminate[i] += kTerminateInterval;
    // The run's own role may end its own backends; a privileged role is tried when it may not.
    std::vector<std::string> roles{m_targets.pgConninfo};
    if (!m_targets.privilegedPgConninfo.empty())
        roles.push_back(m_targets.privilegedPgConninfo);
    std::string refused;
    for (std::size_t attempt = 0; attempt < roles.size(); ++attempt) {
        try {
            if (!m_terminator)
                m_terminator = std::make_unique<PgConnection>(roles[attempt]);
            // Harmless to run twice: a connection lost to a restart is replaced at once.
            const auto result = m_terminator->execIdempotent(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1 AND pid <> pg_backend_pid()",
                {m_targets.applicationName});
            m_terminated[i] += result.int64(0, 0);
            return;
        } catch (const DbError &e) {
            if (e.sqlstate() != "42501") {
                note(i, std::string("a round of terminations failed: ") + e.what());
                return;
            }
            refused = e.what();
            m_terminator.reset();
        }
    }
    note(i, "not permitted to terminate the run's backends (" + refused +
                "): give a role that may, the sandbox owner's URL in INVENTORY_PG_OWNER_URL or a superuser");
    m_nextTerminate[i] = SimClock::time_point::max();
}

} // namespace inv
