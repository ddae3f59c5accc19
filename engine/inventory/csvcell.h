// One cell of a CSV file the program writes, safe to open in a spreadsheet: RFC 4180 quoting, and
// text that a spreadsheet would run as a formula neutralised as OWASP recommends. Every CSV writer
// goes through it. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace inv {

class CsvCell
{
public:
    // A text cell (a SKU, a name, an actor, a server id, a reason, ...). One that begins with =, +,
    // -, @, a tab or a carriage return gets a leading ' so that a spreadsheet shows it instead of
    // evaluating it; one that holds a comma, a semicolon, a quote, a tab or a line break is quoted.
    // Numbers the program formats itself are not text: a quantity of -3 is data and stays -3.
    static std::string text(std::string_view value);
    // True if a spreadsheet would take the value for a formula.
    static bool startsFormula(std::string_view value);
};

} // namespace inv
