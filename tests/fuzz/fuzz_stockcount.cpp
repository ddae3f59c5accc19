// Fuzzes StockCount::parse, which reads a stock-count CSV chosen by the user (import-count, File ›
// Import stock count…). It never throws for bad content; a line it accepts holds a valid SKU, count
// and reason; every message it writes is printable UTF-8, whatever the file held.
#include "fuzzcheck.h"

#include "errors.h"
#include "inventory/quantity.h"
#include "inventory/stockcount.h"

#include <cstddef>
#include <cstdint>
#include <string>

using inv::Quantity;

namespace {
// Text a terminal or a message box shows as it is: valid UTF-8, no control characters but newlines.
bool printableLines(const std::string &text)
{
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(start, end - start);
        if (!Quantity::isUtf8(line) || Quantity::printable(line) != line)
            return false;
        start = end + 1;
    }
    return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    const auto count = inv::StockCount::parse(bytes, "count.csv");
    FUZZ_CHECK(printableLines(count.errorSummary(1000)));
    if (!count.fileError().empty()) {
        FUZZ_CHECK(count.lines().empty());
        FUZZ_CHECK(!count.valid());
        return 0;
    }
    FUZZ_CHECK(!count.lines().empty());
    int previous = 1; // the header
    for (const auto &line : count.lines()) {
        FUZZ_CHECK(line.line > previous);
        previous = line.line;
        FUZZ_CHECK(printableLines(line.error));
        if (!line.error.empty())
            continue;
        Quantity::checkSku(line.sku);
        FUZZ_CHECK(line.counted >= 0 && line.counted <= Quantity::kMax);
        Quantity::checkReason(line.reason);
        const std::string reason = count.auditReason(line);
        FUZZ_CHECK(reason.size() <= Quantity::kMaxReasonBytes);
        Quantity::checkReason(reason);
    }
    FUZZ_CHECK(count.changeCount() == 0); // nothing is known before preview()
    return 0;
}
