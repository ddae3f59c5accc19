// Coalesces concurrent cache fills for one key inside a process: the first caller runs the fill,
// the others wait for its answer instead of each reading the database. Any thread.
#pragma once

#include "inventory/stockrecord.h"

#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <unordered_map>

namespace inv {

class FillCoalescer
{
public:
    // Runs fill() unless a fill for the same key is in flight, and returns that fill's answer (or
    // rethrows its error).
    StockView run(const std::string &key, const std::function<StockView()> &fill);
    long long coalesced() const;

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::shared_future<StockView>> m_inFlight;
    long long m_coalesced = 0;
};

} // namespace inv
