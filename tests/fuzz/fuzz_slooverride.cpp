// Fuzzes SimulationConfig::parseSloOverride (simulate --slo NAME=VALUE): an accepted override names
// a known SLO with a finite threshold, and the threshold written back with full precision reads the same.
#include "fuzzcheck.h"

#include "errors.h"
#include "sim/simulationconfig.h"
#include "sim/simulationreport.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    std::pair<std::string, double> parsed;
    try {
        parsed = inv::SimulationConfig::parseSloOverride(text);
    } catch (const inv::InvalidInput &) {
        return 0;
    }
    const auto names = inv::SimulationReport::sloNames();
    FUZZ_CHECK(std::find(names.begin(), names.end(), parsed.first) != names.end());
    FUZZ_CHECK(std::isfinite(parsed.second));
    char value[64];
    std::snprintf(value, sizeof value, "%.17g", parsed.second);
    const auto again = inv::SimulationConfig::parseSloOverride(parsed.first + "=" + value);
    FUZZ_CHECK(again == parsed);
    return 0;
}
