// Input checks shared by the service, the CLI and the UI, so that all three refuse the same things
// with the same words before anything is written. Pure functions; any thread.
#pragma once

#include "inventory/stockrecord.h"

#include <cstddef>
#include <string>

namespace inv {

class Quantity
{
public:
    static constexpr int kMax = 1'000'000;

    // Parses a quantity typed by a person. Throws InvalidInput for anything that is not a whole
    // number from 1 to kMax (or 0 to kMax when zero is allowed, as for an absolute adjustment).
    static int parse(const std::string &text, bool allowZero = false);
    static void check(long long value, bool allowZero = false);
    // A SKU is 1 to 64 bytes of UTF-8 text without control characters (C0, DEL or C1): those would
    // reach terminals, logs and the audit log as commands rather than text.
    static void checkSku(const std::string &sku);
    // A product name: 1 to 200 bytes of UTF-8 text without control characters.
    static void checkName(const std::string &name);
    // A write's reason: empty, or up to kMaxReasonBytes of UTF-8 text without control characters.
    static constexpr std::size_t kMaxReasonBytes = 500;
    static void checkReason(const std::string &reason);
    // A reason cut to the longest UTF-8 prefix that fits the limit, with "…" where it was cut.
    static std::string truncateReason(const std::string &reason);
    static bool isUtf8(const std::string &text);
    // A request id: 1 to 128 bytes of printable ASCII (a UUID, an order number, ...).
    static void checkRequestId(const std::string &id);
    // Every text a write carries (SKU, reason, request id if any). Every write path checks it, so
    // that no caller can store what the CLI would refuse: a reason that is not UTF-8 would otherwise
    // fail in PostgreSQL (22021) as a service failure.
    static void checkWriteText(const WriteRequest &request);
    // Any other text that is stored or printed (a server id, an agent's name, the file name a stock
    // count's reasons carry): UTF-8 without control characters. Throws InvalidInput naming `what`
    // (the option, e.g. "--server-id") and the offending character, without echoing it.
    static void checkText(const std::string &text, const std::string &what,
                          const std::string &advice = "give one line of printable text (no tabs, line "
                                                      "breaks or terminal escapes); nothing was written");
    // The text with control characters and bytes that are not UTF-8 shown as \xNN: every text that
    // comes from the database or Redis goes through it before it reaches a terminal.
    static std::string printable(const std::string &text);
    // Serialised JSON with DEL and the C1 controls as \u escapes. JSON writers escape only C0
    // controls, and some terminals act on C1 (U+009B is CSI); outside strings, JSON has no such bytes.
    static std::string printableJson(const std::string &json);
};

} // namespace inv
