// One scheduled fault of a simulation run, as `simulate --fault KIND@START[+DURATION]` gives it:
// what to break, when (from the start of the load) and for how long. A plain value; any thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace inv {

enum class FaultKind
{
    RedisPause,       // SIGSTOP the sandbox's Redis for the duration, then SIGCONT
    RedisKill,        // SIGKILL it, then start it again after the duration
    RedisRestart,     // stop and start it: it comes back empty, every key cold
    RedisClientPause, // Redis's own CLIENT PAUSE <ms> ALL: works on a remote server too
    PgTerminate,      // pg_terminate_backend on the run's connections; repeated every 50 ms over a duration
    PgRestart,        // fast stop of the sandbox's PostgreSQL, then start (after the duration)
};

struct FaultSpec
{
    FaultKind kind = FaultKind::RedisPause;
    std::chrono::milliseconds start{0};
    // Zero for a fault without one; see effectiveDuration() for the kinds that need one.
    std::chrono::milliseconds duration{0};

    // "redis-pause@3s+2s", "pg-terminate@500ms". Throws InvalidInput naming the valid kinds.
    static FaultSpec parse(const std::string &text);
    static const char *kindName(FaultKind kind);
    // "redis-pause, redis-kill, ...", for messages and help.
    static std::string kindList();
    static std::vector<FaultKind> kinds();

    // The duration the fault runs for: the given one, or 1 s for the kinds that hold a state
    // (redis-pause, redis-kill, redis-client-pause) when none was given.
    std::chrono::milliseconds effectiveDuration() const;
    // Signals or restarts a local process: needs the sandbox's directory.
    bool needsSandbox() const;
    bool touchesRedis() const;
    // The spec again, in the syntax parse() reads.
    std::string text() const;
};

} // namespace inv
