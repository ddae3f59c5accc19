// The reads and acknowledged writes of a run, with their times, for a checker in another process
// (a load agent's coordinator compares them across agents). Workers append; the owner drains it once
// per window. A drain holds at most kMostPerDrain of each kind; the rest are counted as dropped, so
// that a fast run cannot grow it without bound. Any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace inv {

struct Observation
{
    int key = 0;
    std::int64_t version = 0;
    // A read's start, or a write's acknowledgement.
    std::chrono::steady_clock::time_point at;
};

class ObservationLog
{
public:
    static constexpr std::size_t kMostPerDrain = 20'000;

    struct Batch
    {
        std::vector<Observation> reads;
        std::vector<Observation> writes;
        long long dropped = 0;
    };

    void read(int key, std::int64_t version, std::chrono::steady_clock::time_point startedAt)
    {
        add(m_batch.reads, key, version, startedAt);
    }
    void write(int key, std::int64_t version, std::chrono::steady_clock::time_point acknowledgedAt)
    {
        add(m_batch.writes, key, version, acknowledgedAt);
    }
    Batch drain()
    {
        std::lock_guard lock(m_mutex);
        Batch out;
        std::swap(out, m_batch);
        return out;
    }

private:
    void add(std::vector<Observation> &list, int key, std::int64_t version,
             std::chrono::steady_clock::time_point at)
    {
        std::lock_guard lock(m_mutex);
        if (list.size() >= kMostPerDrain) {
            ++m_batch.dropped;
            return;
        }
        list.push_back(Observation{key, version, at});
    }

    std::mutex m_mutex;
    Batch m_batch;
};

} // namespace inv
