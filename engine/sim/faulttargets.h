// Where a run's faults land: the run's PostgreSQL and Redis as its servers reach them, the
// application_name its connections carry, a role that may end them, and the sandbox whose
// processes the process-level faults signal; and whether each fault can run there. A plain value;
// any thread.
#pragma once

#include "sim/faultspec.h"

#include <string>
#include <vector>

namespace inv {

struct NemesisTargets
{
    // The run's PostgreSQL as its servers reach it, and the application_name its servers' connections
    // carry: pg-terminate ends exactly the backends with that name.
    std::string pgConninfo;
    std::string applicationName;
    // A role that may terminate them if the run's own may not (the schema owner, a superuser); optional.
    std::string privilegedPgConninfo;
    std::string redisUrl;
    // The sandbox whose processes the process-level faults signal; empty: none.
    std::string sandboxDir;

    // Throws InvalidInput when a fault cannot run here: a process-level fault without the sandbox's
    // directory, or with a run whose servers are not the sandbox's (with the remote-capable kind
    // to use instead).
    void check(const std::vector<FaultSpec> &faults) const;
};

} // namespace inv
