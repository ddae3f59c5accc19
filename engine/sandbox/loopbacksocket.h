// An owned TCP socket for talking to 127.0.0.1, closed when the object dies. The sandbox uses it to
// test whether a port is free and to PING Redis without a client library. Use one object from one
// thread.
#pragma once

#include <netinet/in.h>

namespace inv {

class LoopbackSocket
{
public:
    LoopbackSocket();
    LoopbackSocket(const LoopbackSocket &) = delete;
    LoopbackSocket &operator=(const LoopbackSocket &) = delete;
    ~LoopbackSocket();

    // Negative if the socket could not be created.
    int fd() const { return m_fd; }

    // 127.0.0.1:port; port 0 lets bind() pick one.
    static sockaddr_in address(int port);

private:
    int m_fd;
};

} // namespace inv
