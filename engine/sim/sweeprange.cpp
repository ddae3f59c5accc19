#include "sim/sweeprange.h"

#include "errors.h"

#include <cmath>
#include <cstdlib>

namespace inv {

namespace {
const char *const kForms = "give --sweep rate=FROM..TO or connections=FROM..TO, optionally with a step count "
                           "as in rate=1000..40000:12 (whole numbers, FROM below TO, 2 to 50 steps)";

[[noreturn]] void refuse(const std::string &text, const std::string &why)
{
    throw InvalidInput("invalid --sweep '" + text + "': " + why + "; " + kForms);
}

// A whole number that is all of `part`, or -1.
long long wholeNumber(const std::string &part)
{
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos)
        return -1;
    return std::strtoll(part.c_str(), nullptr, 10);
}
} // namespace

SweepRange SweepRange::parse(const std::string &text)
{
    const auto equals = text.find('=');
    if (equals == std::string::npos)
        refuse(text, "no parameter");
    SweepRange range;
    const std::string name = text.substr(0, equals);
    if (name == "rate")
        range.parameter = SweepParameter::Rate;
    else if (name == "connections")
        range.parameter = SweepParameter::Connections;
    else
        refuse(text, "'" + name + "' cannot be swept");
    std::string rest = text.substr(equals + 1);
    if (const auto colon = rest.find(':'); colon != std::string::npos) {
        const long long steps = wholeNumber(rest.substr(colon + 1));
        if (steps < 2 || steps > kMaxSteps)
            refuse(text, "the step count must be from 2 to 50");
        range.steps = static_cast<int>(steps);
        rest.resize(colon);
    }
    const auto dots = rest.find("..");
    if (dots == std::string::npos)
        refuse(text, "no range");
    const long long from = wholeNumber(rest.substr(0, dots)), to = wholeNumber(rest.substr(dots + 2));
    if (from < 1 || to < 1)
        refuse(text, "the bounds must be whole numbers of at least 1");
    if (from >= to)
        refuse(text, "FROM must be below TO");
    const long long most = range.parameter == SweepParameter::Rate ? 1'000'000 : kMaxConnections;
    if (to > most)
        refuse(text, std::string(name) + " goes up to " + std::to_string(most));
    range.from = static_cast<double>(from);
    range.to = static_cast<double>(to);
    return range;
}

std::vector<double> SweepRange::values() const
{
    const double ratio = to / from;
    const int count = steps > 0 ? steps : std::max(2, static_cast<int>(std::ceil(std::log2(ratio))) + 1);
    std::vector<double> out;
    for (int i = 0; i < count; ++i) {
        const double value =
            i == count - 1 ? to : std::round(from * std::pow(ratio, static_cast<double>(i) / (count - 1)));
        if (out.empty() || value > out.back())
            out.push_back(value);
    }
    return out;
}

const char *SweepRange::parameterName() const
{
    return parameter == SweepParameter::Rate ? "rate" : "connections";
}

const char *SweepRange::unit() const
{
    return parameter == SweepParameter::Rate ? "req/s" : "connections";
}

} // namespace inv
