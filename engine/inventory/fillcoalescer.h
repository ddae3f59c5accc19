// Coalesces concurrent cache fills for one key inside a process: the first caller runs the fill,
// the others wait for its answer instead of each reading the database. A caller joins a fill only
// if the fill has not yet started reading: an answer read before the caller arrived may predate a
// write acknowledged to that caller. Such a caller waits for that fill to end and then joins or
// runs the next one. Any thread.
#pragma once

#include "inventory/stockrecord.h"

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace inv {

// Handed to the fill: it calls reading() just before the read whose answer it will return.
class FillTicket
{
public:
    void reading() { m_reading.store(true); }
    bool isReading() const { return m_reading.load(); }

private:
    std::atomic<bool> m_reading{false};
};

class FillCoalescer
{
public:
    using Fill = std::function<StockView(FillTicket &)>;

    // Runs fill() unless a fill for the same key is in flight and not yet reading, and returns
    // that fill's answer (or rethrows its error).
    StockView run(const std::string &key, const Fill &fill);
    // Callers that joined a fill; and callers that found one already reading and did not join it.
    long long coalesced() const;
    long long passedOver() const;

private:
    struct InFlight
    {
        FillTicket ticket;
        std::promise<StockView> promise;
        std::shared_future<StockView> answer = promise.get_future().share();
    };
    StockView lead(const std::string &key, const std::shared_ptr<InFlight> &entry, const Fill &fill);

    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::shared_ptr<InFlight>> m_inFlight;
    long long m_coalesced = 0;
    long long m_passedOver = 0;
};

} // namespace inv
