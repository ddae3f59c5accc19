#include "inventory/quantity.h"

#include "errors.h"

#include <cerrno>
#include <cstdlib>

namespace inv {

namespace {
bool isValidUtf8(const std::string &text)
{
    const auto *p = reinterpret_cast<const unsigned char *>(text.data());
    const auto *end = p + text.size();
    while (p < end) {
        int extra;
        unsigned int cp;
        if (*p < 0x80) {
            ++p;
            continue;
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
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        const bool overlong =
            (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}
} // namespace

int Quantity::parse(const std::string &text, bool allowZero)
{
    const std::string range = allowZero ? "0 to 1000000" : "1 to 1000000";
    if (text.empty())
        throw InvalidInput("the quantity is missing: give a whole number from " + range);
    std::size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
    if (start == text.size() || text.find_first_not_of("0123456789", start) != std::string::npos)
        throw InvalidInput("invalid quantity '" + text + "': give a whole number from " + range);
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
}

void Quantity::checkName(const std::string &name)
{
    if (name.empty())
        throw InvalidInput("the product name is empty: give a name with --name");
    if (name.size() > 200 || !isValidUtf8(name) || name.find('\0') != std::string::npos)
        throw InvalidInput("the product name must be valid UTF-8 text of at most 200 bytes");
}

} // namespace inv
