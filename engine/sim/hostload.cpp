#include "sim/hostload.h"

#include <cstdio>

namespace inv {

std::string HostLoad::saturationNote() const
{
    if (!saturated())
        return {};
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "host saturated: load %.1f on %d core%s", loadMax, cores,
                  cores == 1 ? "" : "s");
    return buffer;
}

} // namespace inv
