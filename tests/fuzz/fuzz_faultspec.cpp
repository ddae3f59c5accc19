// Fuzzes FaultSpec::parse (simulate --fault KIND@START[+DURATION]): what it accepts is within a day,
// and text() writes it back in a form that parses to the same fault.
#include "fuzzcheck.h"

#include "errors.h"
#include "sim/faultspec.h"

#include <cstddef>
#include <cstdint>
#include <string>

using inv::FaultSpec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    FaultSpec spec;
    try {
        spec = FaultSpec::parse(text);
    } catch (const inv::InvalidInput &) {
        return 0;
    }
    constexpr long long kDayMs = 86'400'000;
    FUZZ_CHECK(spec.start.count() >= 0 && spec.start.count() <= kDayMs);
    FUZZ_CHECK(spec.duration.count() >= 0 && spec.duration.count() <= kDayMs);
    FUZZ_CHECK(spec.effectiveDuration().count() >= spec.duration.count());
    const FaultSpec again = FaultSpec::parse(spec.text());
    FUZZ_CHECK(again.kind == spec.kind);
    FUZZ_CHECK(again.start == spec.start);
    FUZZ_CHECK(again.duration == spec.duration);
    FUZZ_CHECK(again.text() == spec.text());
    return 0;
}
