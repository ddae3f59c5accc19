// A query result from libpq, shared and immutable. PQclear runs when the last copy goes. Any thread
// may read a result; it is not tied to the connection that produced it.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace inv {

class PgResult
{
public:
    PgResult() = default;
    explicit PgResult(PGresult *result);

    int rows() const;
    int columns() const;
    bool isNull(int row, int column) const;
    std::string text(int row, int column) const;
    std::optional<std::string> optionalText(int row, int column) const;
    std::int64_t int64(int row, int column) const;
    int int32(int row, int column) const;
    // Number of rows touched by INSERT/UPDATE/DELETE.
    long affected() const;

private:
    struct Deleter
    {
        void operator()(const PGresult *r) const { PQclear(const_cast<PGresult *>(r)); }
    };
    std::shared_ptr<const PGresult> m_result;
};

} // namespace inv
