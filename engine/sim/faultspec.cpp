#include "sim/faultspec.h"

#include "errors.h"

#include <cctype>

namespace inv {

namespace {
constexpr FaultKind kAllKinds[] = {FaultKind::RedisPause,   FaultKind::RedisKill,
                                   FaultKind::RedisRestart, FaultKind::RedisClientPause,
                                   FaultKind::PgTerminate,  FaultKind::PgRestart};

constexpr long long kMaxTimeMs = 86'400'000;

// A number with a unit, ms, s or m, as k6 and Go write durations: "250ms", "3s", "1.5s", "2m". The
// value must come to whole milliseconds (0.5ms and 0.0005s cannot be scheduled) and at most a day.
std::chrono::milliseconds parseTime(const std::string &text, const std::string &spec, const char *what,
                                    const std::string &shape)
{
    const std::string prefix = "invalid --fault '" + spec + "': the " + what + " '" + text + "'";
    const auto invalid = [&] {
        return InvalidInput(prefix + " must be a number with a unit, ms, s or m (e.g. 250ms, 1.5s, 2m)" +
                            shape);
    };
    const auto isDigit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    std::size_t end = 0;
    while (end < text.size() && isDigit(text[end]))
        ++end;
    const std::string whole = text.substr(0, end);
    std::string fraction;
    if (end < text.size() && text[end] == '.') {
        const std::size_t begin = ++end;
        while (end < text.size() && isDigit(text[end]))
            ++end;
        fraction = text.substr(begin, end - begin);
        if (fraction.empty())
            throw invalid();
    }
    if (whole.empty())
        throw invalid();
    const std::string unit = text.substr(end);
    const long long scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : 0;
    if (scale == 0)
        throw invalid();
    const auto tooLong = [&] {
        return InvalidInput("invalid --fault '" + spec + "': the " + what +
                            " must be at most 86400s (a day)" + shape);
    };
    const auto firstDigit = whole.find_first_not_of('0');
    // More than 9 significant digits is beyond a day in any unit, and would overflow below.
    if (firstDigit != std::string::npos && whole.size() - firstDigit > 9)
        throw tooLong();
    long long ms = std::stoll(whole) * scale;
    while (!fraction.empty() && fraction.back() == '0')
        fraction.pop_back();
    if (!fraction.empty()) {
        const auto notWhole = [&] {
            return InvalidInput(prefix + " is not a whole number of milliseconds; write it to the " +
                                "millisecond, e.g. 1.5s or 1500ms" + shape);
        };
        // With its trailing zeros gone, a fraction of more than 9 digits never comes to whole
        // milliseconds in these units, and would overflow below.
        if (fraction.size() > 9)
            throw notWhole();
        long long power = 1;
        for (std::size_t i = 0; i < fraction.size(); ++i)
            power *= 10;
        const long long part = std::stoll(fraction) * scale;
        if (part % power != 0)
            throw notWhole();
        ms += part / power;
    }
    if (ms > kMaxTimeMs)
        throw tooLong();
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
    // Whole seconds as "3s", a second or more as decimal seconds ("1.5s", "1.25s"), less as "250ms".
    auto time = [](std::chrono::milliseconds ms) {
        const long long count = ms.count();
        if (count % 1000 == 0)
            return std::to_string(count / 1000) + "s";
        if (count < 1000)
            return std::to_string(count) + "ms";
        std::string fraction = std::to_string(1000 + count % 1000).substr(1);
        while (fraction.back() == '0')
            fraction.pop_back();
        return std::to_string(count / 1000) + "." + fraction + "s";
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
