// What an event-loop write answers: written (or replayed), refused, or failed. A value, not an
// exception: a refusal costs no throw. Shared by LoopWriter and LoopBatcher.
#pragma once

#include "inventory/stockrecord.h"

#include <functional>
#include <string>

namespace inv {

struct LoopWriteOutcome
{
    enum class Kind
    {
        Written,
        Refused,
        Failed
    };
    Kind kind = Kind::Failed;
    // Written: the result, marked replayed when an earlier attempt had committed it.
    WriteResult result;
    // Refused: the stock the statement found.
    int stockSeen = 0;
    // Failed: what went wrong.
    std::string error;
    // A connection failed under the write at least once: it was settled by sending it again.
    bool inDoubt = false;
};

using LoopWriteDone = std::function<void(LoopWriteOutcome)>;

} // namespace inv
