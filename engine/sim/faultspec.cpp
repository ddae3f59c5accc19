#include "sim/faultspec.h"

#include "errors.h"

#include <cctype>

namespace inv {

namespace {
constexpr FaultKind kAllKinds[] = {FaultKind::RedisPause,   FaultKind::RedisKill,
                                   FaultKind::RedisRestart, FaultKind::RedisClientPause,
                                   FaultKind::PgTerminate,  FaultKind::PgRestart};

// A whole number with a unit, ms or s: "250ms", "3s". At most a day.
std::chrono::milliseconds parseTime(const std::string &text, const std::string &spec, const char *what,
                                    const std::string &shape)
{
    const auto invalid = [&] {
        return InvalidInput("invalid --fault '" + spec + "': the " + what + " '" + text +
                            "' must be a whole number with a unit, ms or s" + shape);
    };
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    if (digits == 0 || digits > 9)
        throw invalid();
    const long long value = std::stoll(text.substr(0, digits));
    const std::string unit = text.substr(digits);
    long long ms = 0;
    if (unit == "ms")
        ms = value;
    else if (unit == "s")
        ms = value * 1000;
    else
        throw invalid();
    if (ms > 86'400'000)
        throw InvalidInput("invalid --fault '" + spec + "': the " + what + " must be at most 86400s" + shape);
    return std::chrono::milliseconds(ms);
}
} // namespace

std::vector<FaultKind> FaultSpec::kinds()
{
    return {std::begin(kAllKinds), std::end(kAllKinds)};
}

const char *FaultSpec::kindName(FaultKind kind)
{
    switch (kind) {
    case FaultKind::RedisPause:
        return "redis-pause";
    case FaultKind::RedisKill:
        return "redis-kill";
    case FaultKind::RedisRestart:
        return "redis-restart";
    case FaultKind::RedisClientPause:
        return "redis-client-pause";
    case FaultKind::PgTerminate:
        return "pg-terminate";
    case FaultKind::PgRestart:
        return "pg-restart";
    }
    return "redis-pause";
}

std::string FaultSpec::kindList()
{
    std::string out;
    for (FaultKind kind : kAllKinds)
        out += (out.empty() ? "" : ", ") + std::string(kindName(kind));
    return out;
}

FaultSpec FaultSpec::parse(const std::string &text)
{
    const std::string shape = "; write KIND@START[+DURATION], e.g. redis-pause@3s+2s or pg-terminate@5s, "
                              "with KIND one of " +
                              kindList();
    if (text.size() > 100)
        throw InvalidInput("invalid --fault: the value is " + std::to_string(text.size()) + " bytes long" +
                           shape);
    const auto at = text.find('@');
    const std::string name = text.substr(0, at);
    FaultSpec spec;
    bool known = false;
    for (FaultKind kind : kAllKinds)
        if (name == kindName(kind)) {
            spec.kind = kind;
            known = true;
        }
    if (!known)
        throw InvalidInput("invalid --fault '" + text + "': unknown kind '" + name + "'" + shape);
    if (at == std::string::npos)
        throw InvalidInput("invalid --fault '" + text + "': missing @START" + shape);
    const std::string rest = text.substr(at + 1);
    const auto plus = rest.find('+');
    spec.start = parseTime(rest.substr(0, plus), text, "start", shape);
    if (plus != std::string::npos) {
        spec.duration = parseTime(rest.substr(plus + 1), text, "duration", shape);
        if (spec.duration.count() == 0)
            throw InvalidInput("invalid --fault '" + text +
                               "': a duration must be above 0; leave out +DURATION for the default" + shape);
    }
    return spec;
}

std::chrono::milliseconds FaultSpec::effectiveDuration() const
{
    using namespace std::chrono_literals;
    const bool holdsState =
        kind == FaultKind::RedisPause || kind == FaultKind::RedisKill || kind == FaultKind::RedisClientPause;
    return duration.count() == 0 && holdsState ? std::chrono::milliseconds(1s) : duration;
}

bool FaultSpec::needsSandbox() const
{
    return kind != FaultKind::RedisClientPause && kind != FaultKind::PgTerminate;
}

bool FaultSpec::touchesRedis() const
{
    return kind == FaultKind::RedisPause || kind == FaultKind::RedisKill || kind == FaultKind::RedisRestart ||
           kind == FaultKind::RedisClientPause;
}

std::string FaultSpec::text() const
{
    auto time = [](std::chrono::milliseconds ms) {
        return ms.count() % 1000 == 0 ? std::to_string(ms.count() / 1000) + "s"
                                      : std::to_string(ms.count()) + "ms";
    };
    std::string out = kindName(kind);
    out += '@';
    out += time(start);
    if (duration.count()) {
        out += '+';
        out += time(duration);
    }
    return out;
}

} // namespace inv
