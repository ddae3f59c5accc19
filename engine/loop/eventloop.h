// One libevent event base driven by its own thread: the engine's event loop for one virtual app
// server. The sockets registered with it (libpq's and hiredis's) are served by that thread only,
// without blocking it. post() hands work to the loop from any thread; call() also waits for it.
// The destructor stops the loop and joins the thread; work posted after that is dropped.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace inv {

class EventLoop
{
public:
    // Throws ThreadStartError if the loop's thread cannot be created.
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    event_base *base() { return m_base.get(); }
    bool inLoopThread() const { return std::this_thread::get_id() == m_thread.get_id(); }
    // Any thread.
    void post(std::function<void()> task);
    // Loop thread: runs the task on the loop once `delay` has passed. A task still waiting when the
    // loop is destroyed is dropped; one that may outlive what it uses holds a weak reference to it.
    void after(std::chrono::microseconds delay, std::function<void()> task);
    // Runs the task on the loop and waits for it; rethrows what it threw. Not from the loop thread.
    void call(const std::function<void()> &task);

private:
    struct BaseDeleter
    {
        void operator()(event_base *base) const { event_base_free(base); }
    };
    struct EventDeleter
    {
        void operator()(event *e) const { event_free(e); }
    };
    struct Timer
    {
        std::unique_ptr<event, EventDeleter> handle;
        std::function<void()> task;
        EventLoop *self = nullptr;
        std::list<Timer>::iterator position;
    };
    static void onWake(evutil_socket_t, short, void *self);
    static void onTimer(evutil_socket_t, short, void *arg);

    std::unique_ptr<event_base, BaseDeleter> m_base;
    std::unique_ptr<event, EventDeleter> m_wake;
    std::mutex m_mutex;
    std::vector<std::function<void()>> m_tasks;
    // Loop thread only; cleared once the thread has stopped.
    std::list<Timer> m_timers;
    std::thread m_thread;
};

// A libevent event owned through RAII, for the loop's clients.
struct LoopEventDeleter
{
    void operator()(event *e) const { event_free(e); }
};
using LoopEvent = std::unique_ptr<event, LoopEventDeleter>;

} // namespace inv
