#include "db/pgresult.h"

#include "errors.h"

#include <charconv>
#include <cstdlib>

namespace inv {

PgResult::PgResult(PGresult *result) : m_result(result, Deleter{}) {}

int PgResult::rows() const
{
    return m_result ? PQntuples(m_result.get()) : 0;
}

int PgResult::columns() const
{
    return m_result ? PQnfields(m_result.get()) : 0;
}

bool PgResult::isNull(int row, int column) const
{
    return PQgetisnull(m_result.get(), row, column) == 1;
}

std::string PgResult::text(int row, int column) const
{
    const char *value = PQgetvalue(m_result.get(), row, column);
    return std::string(value, static_cast<std::size_t>(PQgetlength(m_result.get(), row, column)));
}

std::optional<std::string> PgResult::optionalText(int row, int column) const
{
    if (isNull(row, column))
        return std::nullopt;
    return text(row, column);
}

std::int64_t PgResult::int64(int row, int column) const
{
    const char *value = PQgetvalue(m_result.get(), row, column);
    const char *end = value + PQgetlength(m_result.get(), row, column);
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(value, end, out);
    if (ec != std::errc() || ptr != end)
        throw DbError("expected an integer in column " + std::string(PQfname(m_result.get(), column)) +
                          ", got '" + std::string(value, end) + "'",
                      "22P02");
    return out;
}

int PgResult::int32(int row, int column) const
{
    return static_cast<int>(int64(row, column));
}

long PgResult::affected() const
{
    const char *tuples = PQcmdTuples(const_cast<PGresult *>(m_result.get()));
    return tuples && *tuples ? std::strtol(tuples, nullptr, 10) : 0;
}

} // namespace inv
