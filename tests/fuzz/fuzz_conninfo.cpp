// Fuzzes the PostgreSQL connection string checks: PgConnection::validateConninfo (libpq's parser),
// PgConnectionParameters::effective, which adds the bounded defaults, and answerDeadline, which reads
// statement_timeout back out of the options. The input is the conninfo, then after a NUL the schema.
#include "fuzzcheck.h"

#include "db/pgconnection.h"
#include "db/pgconnectionparameters.h"
#include "errors.h"

#include <cstddef>
#include <cstdint>
#include <string>

using inv::PgConnectionParameters;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string input(reinterpret_cast<const char *>(data), size);
    const auto nul = input.find('\0');
    const std::string conninfo = input.substr(0, nul);
    const std::string schema = nul == std::string::npos ? std::string() : input.substr(nul + 1);

    bool valid = true;
    try {
        inv::PgConnection::validateConninfo(conninfo);
    } catch (const inv::InvalidInput &) {
        valid = false;
    }
    try {
        const auto parameters = PgConnectionParameters::effective(conninfo, schema);
        FUZZ_CHECK(valid);
        bool timeoutSet = false;
        for (const auto &[key, value] : parameters)
            if (key == "options")
                timeoutSet = value.find("statement_timeout") != std::string::npos;
        FUZZ_CHECK(timeoutSet);
        FUZZ_CHECK(PgConnectionParameters::answerDeadline(parameters).count() >= 0);
    } catch (const inv::InvalidInput &) {
        FUZZ_CHECK(!valid);
    }
    // The options text as the user may give it, straight to the statement_timeout reader.
    FUZZ_CHECK(PgConnectionParameters::answerDeadline({{"options", conninfo}}).count() >= 0);
    return 0;
}
