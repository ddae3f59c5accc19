#include "db/sqlschema.h"

#include "db/migrations.h"

#include <algorithm>
#include <cctype>

namespace inv {

namespace {
bool wordChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// The end of what starts at `at` and runs to the closing `quote` (a doubled quote is part of it).
std::size_t quotedEnd(std::string_view sql, std::size_t at, char quote)
{
    std::size_t i = at + 1;
    while (i < sql.size()) {
        if (sql[i] == quote) {
            if (i + 1 < sql.size() && sql[i + 1] == quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        ++i;
    }
    return sql.size();
}

// The end of a dollar-quoted body starting at `at`, or `at` when `$` starts no tag ($1, say).
std::size_t dollarEnd(std::string_view sql, std::size_t at)
{
    std::size_t i = at + 1;
    while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_'))
        ++i;
    if (i >= sql.size() || sql[i] != '$' ||
        (i > at + 1 && std::isdigit(static_cast<unsigned char>(sql[at + 1]))))
        return at;
    const std::string_view tag = sql.substr(at, i - at + 1);
    const auto close = sql.find(tag, i + 1);
    return close == std::string_view::npos ? sql.size() : close + tag.size();
}

char previousSolid(const std::string &out)
{
    for (auto it = out.rbegin(); it != out.rend(); ++it)
        if (!std::isspace(static_cast<unsigned char>(*it)))
            return *it;
    return '\0';
}

char nextSolid(std::string_view sql, std::size_t from)
{
    for (std::size_t i = from; i < sql.size(); ++i)
        if (!std::isspace(static_cast<unsigned char>(sql[i])))
            return sql[i];
    return '\0';
}
} // namespace

std::string SqlSchema::qualify(std::string_view sql, const std::string &schema)
{
    if (schema.empty())
        return std::string(sql);
    const auto &tables = Migrations::tables();
    std::string out;
    out.reserve(sql.size() + 64);
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        std::size_t end = i;
        if (c == '\'' || c == '"')
            end = quotedEnd(sql, i, c);
        else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-')
            end = std::min(sql.find('\n', i), sql.size());
        else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*')
            end = std::min(sql.find("*/", i + 2) + 2, sql.size());
        else if (c == '$' && (i == 0 || !wordChar(sql[i - 1])))
            end = dollarEnd(sql, i);
        if (end > i) {
            out.append(sql.substr(i, end - i));
            i = end;
            continue;
        }
        if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_') || (i > 0 && wordChar(sql[i - 1]))) {
            out.push_back(c);
            ++i;
            continue;
        }
        end = i;
        while (end < sql.size() && wordChar(sql[end]))
            ++end;
        std::string word(sql.substr(i, end - i));
        std::string lower = word;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        const bool table = std::find(tables.begin(), tables.end(), lower) != tables.end();
        if (table && previousSolid(out) != '.' && nextSolid(sql, end) != '.')
            out += schema + "." + lower;
        else
            out += word;
        i = end;
    }
    return out;
}

} // namespace inv
