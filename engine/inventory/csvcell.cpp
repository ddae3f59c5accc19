#include "inventory/csvcell.h"

namespace inv {

bool CsvCell::startsFormula(std::string_view value)
{
    return !value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos;
}

std::string CsvCell::text(std::string_view value)
{
    std::string cell;
    if (startsFormula(value))
        cell += '\'';
    cell += value;
    // A semicolon too: a spreadsheet in a locale that separates with ';' would start a cell there.
    if (cell.find_first_of(",;\"\t\r\n") == std::string::npos)
        return cell;
    std::string quoted = "\"";
    for (const char c : cell) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

} // namespace inv
