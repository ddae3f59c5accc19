#include "db/pgarray.h"

namespace inv {

std::string pgTextArray(std::span<const std::string> items, EmptyElement empty)
{
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        if (items[i].empty() && empty == EmptyElement::Null) {
            out += "NULL";
            continue;
        }
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

} // namespace inv
