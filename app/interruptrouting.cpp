#include "interruptrouting.h"

#include "errors.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {
// The write end of the self-pipe that carries a signal out of the handler; -1 when no run listens.
volatile std::sig_atomic_t g_wakeFd = -1;
volatile std::sig_atomic_t g_interrupts = 0;
constexpr char kStopByte = 's';
constexpr char kQuitByte = 'q';

void onInterrupt(int signal)
{
    // The first SIGINT or SIGTERM stops the load and lets the run check its books and write its
    // report; a second one ends the process at once, as the default action would.
    if (g_interrupts != 0) {
        std::signal(signal, SIG_DFL);
        std::raise(signal);
        return;
    }
    g_interrupts = 1;
    // Only async-signal-safe calls here: stopping the run runs its stop callbacks, which may lock a
    // mutex the interrupted thread holds, so a watcher thread stops it.
    const int savedErrno = errno;
    if (const int fd = g_wakeFd; fd >= 0) {
        [[maybe_unused]] const auto written = ::write(fd, &kStopByte, 1);
    }
    errno = savedErrno;
}

} // namespace

InterruptRouting::InterruptRouting(std::function<void()> stop) : m_stop(std::move(stop))
{
    if (::pipe2(m_pipe, O_CLOEXEC) != 0)
        throw inv::Error(std::string("cannot create the pipe for SIGINT and SIGTERM: ") +
                         std::strerror(errno));
    m_watcher = std::jthread([this] { watch(); });
    g_interrupts = 0;
    g_wakeFd = m_pipe[1];
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

InterruptRouting::~InterruptRouting()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_wakeFd = -1;
    [[maybe_unused]] const auto written = ::write(m_pipe[1], &kQuitByte, 1);
    m_watcher.join();
    ::close(m_pipe[0]);
    ::close(m_pipe[1]);
}

void InterruptRouting::watch() const
{
    for (;;) {
        char byte = 0;
        const auto n = ::read(m_pipe[0], &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1 || byte == kQuitByte)
            return;
        m_stop();
    }
}
