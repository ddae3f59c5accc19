#include "inventory/fillcoalescer.h"

namespace inv {

StockView FillCoalescer::run(const std::string &key, const std::function<StockView()> &fill)
{
    std::promise<StockView> promise;
    {
        std::unique_lock lock(m_mutex);
        if (auto it = m_inFlight.find(key); it != m_inFlight.end()) {
            auto pending = it->second;
            ++m_coalesced;
            lock.unlock();
            return pending.get();
        }
        m_inFlight.emplace(key, promise.get_future().share());
    }
    try {
        StockView view = fill();
        promise.set_value(view);
        std::lock_guard lock(m_mutex);
        m_inFlight.erase(key);
        return view;
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::lock_guard lock(m_mutex);
        m_inFlight.erase(key);
        throw;
    }
}

long long FillCoalescer::coalesced() const
{
    std::lock_guard lock(m_mutex);
    return m_coalesced;
}

} // namespace inv
