// Input checks shared by the service, the CLI and the UI, so that all three refuse the same things
// with the same words before anything is written. Pure functions; any thread.
#pragma once

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
    // A SKU is any UTF-8 string of 1 to 64 bytes.
    static void checkSku(const std::string &sku);
    static void checkName(const std::string &name);
};

} // namespace inv
