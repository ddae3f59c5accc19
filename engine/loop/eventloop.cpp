#include "loop/eventloop.h"

#include "errors.h"

#include <event2/thread.h>

#include <exception>
#include <future>
#include <system_error>

namespace inv {

namespace {
// event_active() from another thread needs libevent's locking, switched on once per process.
void useThreads()
{
    static std::once_flag once;
    std::call_once(once, [] { evthread_use_pthreads(); });
}
} // namespace

EventLoop::EventLoop()
{
    useThreads();
    // Timers to the microsecond (timerfd rather than epoll's milliseconds): an open-loop schedule
    // sends each operation at its intended start, not up to a millisecond after it.
    event_config *config = event_config_new();
    if (config) {
        event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
        m_base.reset(event_base_new_with_config(config));
        event_config_free(config);
    }
    if (!m_base)
        throw ThreadStartError("cannot create an event loop (libevent's event_base_new failed)");
    m_wake.reset(event_new(m_base.get(), -1, 0, &EventLoop::onWake, this));
    try {
        m_thread = std::thread([this] { event_base_loop(m_base.get(), EVLOOP_NO_EXIT_ON_EMPTY); });
    } catch (const std::system_error &e) {
        throw ThreadStartError(std::string("cannot start an event loop's thread: ") + e.what());
    }
}

EventLoop::~EventLoop()
{
    post([this] { event_base_loopbreak(m_base.get()); });
    m_thread.join();
    m_timers.clear();
    m_wake.reset();
}

void EventLoop::post(std::function<void()> task)
{
    {
        std::lock_guard lock(m_mutex);
        m_tasks.push_back(std::move(task));
    }
    event_active(m_wake.get(), 0, 0);
}

void EventLoop::call(const std::function<void()> &task)
{
    std::promise<void> done;
    post([&] {
        try {
            task();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    done.get_future().get();
}

void EventLoop::after(std::chrono::microseconds delay, std::function<void()> task)
{
    const timeval when{static_cast<time_t>(delay.count() / 1'000'000),
                       static_cast<suseconds_t>(delay.count() % 1'000'000)};
    m_timers.emplace_front();
    auto timer = m_timers.begin();
    timer->task = std::move(task);
    timer->self = this;
    timer->position = timer;
    timer->handle.reset(event_new(m_base.get(), -1, 0, &EventLoop::onTimer, &*timer));
    if (!timer->handle || event_add(timer->handle.get(), &when) != 0) {
        m_timers.erase(timer);
        throw ThreadStartError("cannot schedule a timer on the event loop (libevent's event_add failed)");
    }
}

void EventLoop::onTimer(evutil_socket_t, short, void *arg)
{
    auto *timer = static_cast<Timer *>(arg);
    std::function<void()> task = std::move(timer->task);
    timer->self->m_timers.erase(timer->position); // frees its event, which is no longer pending
    task();
}

void EventLoop::onWake(evutil_socket_t, short, void *self)
{
    auto *loop = static_cast<EventLoop *>(self);
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(loop->m_mutex);
        tasks.swap(loop->m_tasks);
    }
    for (auto &task : tasks)
        task();
}

} // namespace inv
