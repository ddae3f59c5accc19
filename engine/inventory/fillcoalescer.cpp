#include "inventory/fillcoalescer.h"

namespace inv {

namespace {
// Fills this caller waits out before it reads by itself; each ends within one fill's time.
constexpr int kMaxWaits = 3;
} // namespace

StockView FillCoalescer::run(const std::string &key, const Fill &fill)
{
    for (int waits = 0;; ++waits) {
        std::shared_ptr<InFlight> entry;
        bool leader = false;
        bool join = false;
        {
            std::lock_guard lock(m_mutex);
            auto it = m_inFlight.find(key);
            if (it == m_inFlight.end()) {
                entry = std::make_shared<InFlight>();
                m_inFlight.emplace(key, entry);
                leader = true;
            } else {
                entry = it->second;
                // Decided once, here: a fill that starts reading after this caller arrived is fresh
                // enough for it.
                join = !entry->ticket.isReading();
                ++(join ? m_coalesced : m_passedOver);
            }
        }
        if (leader)
            return lead(key, entry, fill);
        if (join)
            return entry->answer.get();
        if (waits >= kMaxWaits) {
            FillTicket own;
            return fill(own);
        }
        entry->answer.wait();
    }
}

StockView FillCoalescer::lead(const std::string &key, const std::shared_ptr<InFlight> &entry,
                              const Fill &fill)
{
    auto finish = [&] {
        std::lock_guard lock(m_mutex);
        if (auto it = m_inFlight.find(key); it != m_inFlight.end() && it->second == entry)
            m_inFlight.erase(it);
    };
    try {
        StockView view = fill(entry->ticket);
        // Off the map first, so that no one joins a fill that has already answered.
        finish();
        entry->promise.set_value(view);
        return view;
    } catch (...) {
        finish();
        entry->promise.set_exception(std::current_exception());
        throw;
    }
}

long long FillCoalescer::coalesced() const
{
    std::lock_guard lock(m_mutex);
    return m_coalesced;
}

long long FillCoalescer::passedOver() const
{
    std::lock_guard lock(m_mutex);
    return m_passedOver;
}

} // namespace inv
