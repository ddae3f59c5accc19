#include "sandbox/loopbacksocket.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

namespace inv {

LoopbackSocket::LoopbackSocket() : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}

LoopbackSocket::~LoopbackSocket()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

sockaddr_in LoopbackSocket::address(int port)
{
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

} // namespace inv
