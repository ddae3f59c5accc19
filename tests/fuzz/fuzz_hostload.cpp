// Fuzzes the parsers of the /proc files the host-load sampler reads (HostLoadSampler::parseLoadAverage
// for loadavg, parseStat for <pid>/stat, parseCpuTimes for stat, parseUptime for uptime): any bytes give a
// value that makes sense, or nothing.
#include "fuzzcheck.h"

#include "sim/hostloadsampler.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

using inv::HostLoadSampler;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    if (const auto load = HostLoadSampler::parseLoadAverage(text))
        FUZZ_CHECK(std::isfinite(*load) && *load >= 0);
    if (const auto cpu = HostLoadSampler::parseStat(text))
        FUZZ_CHECK(cpu->ticks >= 0 && cpu->ticks <= (std::numeric_limits<long long>::max() >> 22) &&
                   cpu->ownTicks >= 0 && cpu->ownTicks <= cpu->ticks);
    for (const std::vector<int> &cpus : {std::vector<int>{}, std::vector<int>{0, 1}})
        if (const auto times = HostLoadSampler::parseCpuTimes(text, cpus))
            FUZZ_CHECK(times->busy >= 0 && times->idle >= 0 &&
                       times->busy <= (std::numeric_limits<long long>::max() >> 4) - times->idle);
    if (const auto uptime = HostLoadSampler::parseUptime(text))
        FUZZ_CHECK(std::isfinite(*uptime) && *uptime >= 0);
    return 0;
}
