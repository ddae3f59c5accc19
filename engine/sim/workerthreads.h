// Starts a scenario's load threads and releases them all at once, once every one exists. If a
// thread cannot be created, the ones already running are released with their abort token set,
// joined, and ThreadStartError is thrown: a failed start never leaves threads waiting for
// threads that do not exist. Header-only; the scenario's thread calls run().
#pragma once

#include "errors.h"

#include <latch>
#include <new>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace inv {

class WorkerThreads
{
public:
    // Runs body(index, abort) on `count` threads and returns when all have returned. `what` names
    // the threads in the error ("reader", "buyer worker").
    template <typename Body> static void run(int count, const char *what, const Body &body)
    {
        std::stop_source abort;
        std::latch go(1);
        std::string failure;
        {
            std::vector<std::jthread> threads;
            threads.reserve(static_cast<std::size_t>(count));
            for (int i = 0; i < count; ++i) {
                try {
                    threads.emplace_back([&go, &body, i, token = abort.get_token()] {
                        go.wait();
                        if (!token.stop_requested())
                            body(i, token);
                    });
                } catch (const std::system_error &e) {
                    failure = "could not start " + std::string(what) + " thread " + std::to_string(i + 1) +
                              " of " + std::to_string(count) + ": " + e.what() +
                              "; lower the number of threads or raise the process limits (ulimit -v, -u)";
                    abort.request_stop();
                    break;
                } catch (const std::bad_alloc &) {
                    failure =
                        "could not start " + std::string(what) + " thread " + std::to_string(i + 1) + " of " +
                        std::to_string(count) +
                        ": out of memory; lower the number of threads or raise the memory limit (ulimit -v)";
                    abort.request_stop();
                    break;
                }
            }
            go.count_down();
        } // joins every thread that exists
        if (!failure.empty())
            throw ThreadStartError(failure);
    }
};

} // namespace inv
