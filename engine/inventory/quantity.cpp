#include "inventory/quantity.h"

#include "errors.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

namespace inv {

namespace {
// Decodes one UTF-8 sequence at p; returns its length, or 0 if it is not valid UTF-8 (overlong,
// surrogate, beyond U+10FFFF, truncated or a stray byte).
int decodeUtf8(const unsigned char *p, const unsigned char *end, unsigned int &cp)
{
    int extra;
    if (*p < 0x80) {
        cp = *p;
        return 1;
    } else if ((*p & 0xE0) == 0xC0) {
        extra = 1;
        cp = *p & 0x1F;
    } else if ((*p & 0xF0) == 0xE0) {
        extra = 2;
        cp = *p & 0x0F;
    } else if ((*p & 0xF8) == 0xF0) {
        extra = 3;
        cp = *p & 0x07;
    } else {
        return 0;
    }
    if (end - p <= extra)
        return 0;
    for (int i = 1; i <= extra; ++i) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    const bool overlong =
        (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return extra + 1;
}

bool isControl(unsigned int cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

bool isValidUtf8(const std::string &text)
{
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const auto *end = p + text.size();
    while (p < end) {
        unsigned int cp = 0;
        const int length = decodeUtf8(p, end, cp);
        if (length == 0)
            return false;
        p += length;
    }
    return true;
}

// The first control character of valid UTF-8 text and its byte offset, if there is one.
std::optional<std::pair<unsigned int, std::size_t>> firstControl(const std::string &text)
{
    const auto *begin = reinterpret_cast<const unsigned char *>(text.data());
    const auto *end = begin + text.size();
    for (const auto *p = begin; p < end;) {
        unsigned int cp = 0;
        const int length = decodeUtf8(p, end, cp);
        if (length == 0)
            return std::nullopt;
        if (isControl(cp))
            return std::make_pair(cp, static_cast<std::size_t>(p - begin));
        p += length;
    }
    return std::nullopt;
}

// "U+001B (escape)": the code point, and the name of the controls a person is likely to meet.
std::string codePoint(unsigned int cp)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", cp);
    const char *name = cp == 0x07   ? "bell"
                       : cp == 0x08 ? "backspace"
                       : cp == 0x09 ? "tab"
                       : cp == 0x0A ? "line feed"
                       : cp == 0x0D ? "carriage return"
                       : cp == 0x1B ? "escape"
                       : cp == 0x7F ? "delete"
                       : cp == 0x9B ? "CSI"
                                    : nullptr;
    return name ? std::string(buffer) + " (" + name + ")" : std::string(buffer);
}

// Refuses control characters in `what` with a message that names the character without echoing it.
void refuseControl(const std::string &text, const std::string &what, const std::string &advice)
{
    if (auto control = firstControl(text))
        throw InvalidInput(what + " contains the control character " + codePoint(control->first) +
                           " at byte " + std::to_string(control->second + 1) + ": " + advice);
}
} // namespace

int Quantity::parse(const std::string &text, bool allowZero)
{
    const std::string range = allowZero ? "0 to 1000000" : "1 to 1000000";
    if (text.empty())
        throw InvalidInput("the quantity is missing: give a whole number from " + range);
    std::size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (start == text.size() || text.find_first_not_of("0123456789", start) != std::string::npos)
        throw InvalidInput("invalid quantity '" + printable(text) + "': give a whole number from " + range);
    errno = 0;
    const long long value = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE)
        throw InvalidInput("invalid quantity '" + text + "': it is out of range; give a whole number from " +
                           range);
    check(value, allowZero);
    return static_cast<int>(value);
}

void Quantity::check(long long value, bool allowZero)
{
    const std::string range = allowZero ? "0 to 1000000" : "1 to 1000000";
    if (value < 0)
        throw InvalidInput("invalid quantity " + std::to_string(value) +
                           ": it is negative; give a whole number from " + range);
    if (value == 0 && !allowZero)
        throw InvalidInput("invalid quantity 0: give a whole number from " + range);
    if (value > kMax)
        throw InvalidInput("invalid quantity " + std::to_string(value) +
                           ": it is above the limit of 1000000");
}

void Quantity::checkSku(const std::string &sku)
{
    if (sku.empty())
        throw InvalidInput("the SKU is empty: give 1 to 64 bytes of UTF-8 text");
    if (sku.size() > 64)
        throw InvalidInput("the SKU is " + std::to_string(sku.size()) + " bytes long: the limit is 64 bytes");
    if (!isValidUtf8(sku) || sku.find('\0') != std::string::npos)
        throw InvalidInput("the SKU is not valid UTF-8 text: give 1 to 64 bytes of UTF-8");
    refuseControl(sku, "the SKU", "give printable text (no tabs, line breaks or terminal escapes)");
}

void Quantity::checkName(const std::string &name)
{
    if (name.empty())
        throw InvalidInput("the product name is empty: give a name with --name");
    if (name.size() > 200)
        throw InvalidInput("the product name is " + std::to_string(name.size()) +
                           " bytes long: the limit is 200 bytes of UTF-8 text");
    if (!isValidUtf8(name) || name.find('\0') != std::string::npos)
        throw InvalidInput("the product name must be valid UTF-8 text of at most 200 bytes");
    refuseControl(name, "the product name", "give one line of printable text");
}

void Quantity::checkReason(const std::string &reason)
{
    if (reason.size() > kMaxReasonBytes)
        throw InvalidInput("the reason is " + std::to_string(reason.size()) + " bytes long: keep it under " +
                           std::to_string(kMaxReasonBytes) + " bytes");
    if (!isValidUtf8(reason) || reason.find('\0') != std::string::npos)
        throw InvalidInput("the reason is not valid UTF-8 text: give it as UTF-8 (check the terminal's "
                           "encoding); nothing was written");
    refuseControl(reason, "the reason", "give one line of printable text; nothing was written");
}

void Quantity::checkRequestId(const std::string &id)
{
    if (id.empty() || id.size() > 128)
        throw InvalidInput("the request id is " + std::to_string(id.size()) +
                           " bytes long: give 1 to 128 characters (a UUID or an order number, say)");
    for (const unsigned char c : id)
        if (c < 0x21 || c > 0x7e)
            throw InvalidInput("the request id '" + printable(id) +
                               "' has a space, a control character or a non-ASCII byte: use letters, digits "
                               "and punctuation only");
}

void Quantity::checkText(const std::string &text, const std::string &what, const std::string &advice)
{
    if (!isValidUtf8(text) || text.find('\0') != std::string::npos)
        throw InvalidInput(what + " is not valid UTF-8 text: " + advice);
    refuseControl(text, what, advice);
}

bool Quantity::isUtf8(const std::string &text)
{
    return isValidUtf8(text);
}

std::string Quantity::truncateReason(const std::string &reason)
{
    if (reason.size() <= kMaxReasonBytes)
        return reason;
    const std::string ellipsis = "\xe2\x80\xa6";
    std::size_t cut = kMaxReasonBytes - ellipsis.size();
    // Back up over UTF-8 continuation bytes so that no character is split.
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
        --cut;
    return reason.substr(0, cut) + ellipsis;
}

std::string Quantity::printable(const std::string &text)
{
    std::string out;
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const auto *end = p + text.size();
    while (p < end) {
        unsigned int cp = 0;
        const int length = decodeUtf8(p, end, cp);
        if (length == 0 || isControl(cp)) {
            for (int i = 0; i < (length == 0 ? 1 : length); ++i) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\x%02x", p[i]);
                out += buffer;
            }
            p += length == 0 ? 1 : length;
            continue;
        }
        out.append(reinterpret_cast<const char *>(p), static_cast<std::size_t>(length));
        p += length;
    }
    return out;
}

std::string Quantity::printableJson(const std::string &json)
{
    std::string out;
    out.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
        const auto c = static_cast<unsigned char>(json[i]);
        const auto next = i + 1 < json.size() ? static_cast<unsigned char>(json[i + 1]) : 0u;
        if (c == 0x7F || (c == 0xC2 && next >= 0x80 && next <= 0x9F)) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", c == 0x7F ? 0x7Fu : next);
            out += buffer;
            i += c == 0x7F ? 0 : 1;
            continue;
        }
        out += static_cast<char>(c);
    }
    return out;
}

void Quantity::checkWriteText(const WriteRequest &request)
{
    checkSku(request.sku);
    checkReason(request.reason);
    if (!request.requestId.empty())
        checkRequestId(request.requestId);
}

} // namespace inv
