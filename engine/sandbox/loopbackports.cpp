#include "sandbox/loopbackports.h"

#include "errors.h"
#include "sandbox/loopbacksocket.h"
#include "sandbox/sandboxsupport.h"

#include <cerrno>

#include <arpa/inet.h>
#include <sys/socket.h>

namespace inv {

// SO_REUSEADDR as the servers set it, so that connections in TIME_WAIT from a previous run do not
// make our own port look taken.
bool LoopbackPorts::isFree(int port)
{
    LoopbackSocket socket;
    if (socket.fd() < 0)
        return false;
    const int on = 1;
    ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in address = LoopbackSocket::address(port);
    return ::bind(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
}

int LoopbackPorts::pickFree(int avoid)
{
    for (int attempt = 0; attempt < 20; ++attempt) {
        LoopbackSocket socket;
        if (socket.fd() < 0)
            break;
        sockaddr_in address = LoopbackSocket::address(0);
        if (::bind(socket.fd(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            break;
        socklen_t length = sizeof address;
        if (::getsockname(socket.fd(), reinterpret_cast<sockaddr *>(&address), &length) != 0)
            break;
        const int port = ntohs(address.sin_port);
        if (port != avoid)
            return port;
    }
    throw SandboxError("cannot find a free TCP port on 127.0.0.1: " + sandbox::errnoText(errno) +
                       "; check that the loopback interface is up");
}

int LoopbackPorts::choose(int saved, int avoid, const std::string &service, PortPolicy policy,
                          const Sandbox::Progress &progress)
{
    if (saved > 0 && saved != avoid && isFree(saved))
        return saved;
    if (saved <= 0) {
        const int port = pickFree(avoid);
        sandbox::report(progress, service + " will listen on 127.0.0.1:" + std::to_string(port));
        return port;
    }
    if (policy != PortPolicy::MayMove)
        throw SandboxError("port " + std::to_string(saved) + ", where the sandbox " + service +
                           " listens, is taken by another program; stop that program (see 'ss -ltnp "
                           "sport = :" +
                           std::to_string(saved) +
                           "') or run 'inventory-console sandbox start', which moves " + service +
                           " to a free port");
    const int port = pickFree(avoid);
    sandbox::report(progress, "port " + std::to_string(saved) + " is taken by another program; " + service +
                                  " moves to 127.0.0.1:" + std::to_string(port));
    return port;
}

} // namespace inv
