// Fuzzes the input checks every write goes through (inventory/quantity.h): quantities, SKUs, names,
// reasons, request ids, and the helpers that quote and cut user text for messages and the audit log.
#include "fuzzcheck.h"

#include "errors.h"
#include "inventory/quantity.h"

#include <cstddef>
#include <cstdint>
#include <string>

using inv::Quantity;

namespace {
// Accepted text is shown as it is: printable() changes nothing in it.
template <typename Check> void checkText(const std::string &text, Check check)
{
    try {
        check(text);
    } catch (const inv::InvalidInput &) {
        return;
    }
    FUZZ_CHECK(Quantity::isUtf8(text));
    FUZZ_CHECK(Quantity::printable(text) == text);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    for (const bool allowZero : {false, true}) {
        try {
            const int value = Quantity::parse(text, allowZero);
            FUZZ_CHECK(value >= (allowZero ? 0 : 1) && value <= Quantity::kMax);
            FUZZ_CHECK(Quantity::parse(std::to_string(value), allowZero) == value);
        } catch (const inv::InvalidInput &) {
        }
    }
    checkText(text, [](const std::string &t) {
        Quantity::checkSku(t);
        FUZZ_CHECK(!t.empty() && t.size() <= 64);
    });
    checkText(text, [](const std::string &t) {
        Quantity::checkName(t);
        FUZZ_CHECK(!t.empty() && t.size() <= 200);
    });
    checkText(text, [](const std::string &t) {
        Quantity::checkReason(t);
        FUZZ_CHECK(t.size() <= Quantity::kMaxReasonBytes);
    });
    checkText(text, [](const std::string &t) {
        Quantity::checkRequestId(t);
        FUZZ_CHECK(!t.empty() && t.size() <= 128);
    });

    const std::string cut = Quantity::truncateReason(text);
    FUZZ_CHECK(cut.size() <= Quantity::kMaxReasonBytes || cut == text);
    if (text.size() <= Quantity::kMaxReasonBytes)
        FUZZ_CHECK(cut == text);
    else if (Quantity::isUtf8(text))
        FUZZ_CHECK(Quantity::isUtf8(cut));

    // What messages quote is valid UTF-8 without control characters, and quoting it again is a no-op.
    const std::string shown = Quantity::printable(text);
    FUZZ_CHECK(Quantity::isUtf8(shown));
    FUZZ_CHECK(Quantity::printable(shown) == shown);
    if (!shown.empty() && shown.size() <= Quantity::kMaxReasonBytes)
        Quantity::checkReason(shown);
    return 0;
}
