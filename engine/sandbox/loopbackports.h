// The port policy of the sandbox: each server keeps the port it was given at first start, so that
// URLs stay stable, and moves to a free loopback port only when allowed and another program has taken
// it. Stateless; any thread may call it.
#pragma once

#include "sandbox/sandbox.h"

#include <string>

namespace inv {

enum class PortPolicy
{
    MayMove,
    MustKeep
};

class LoopbackPorts
{
public:
    // True if a server could bind 127.0.0.1:port right now.
    static bool isFree(int port);
    // A port the kernel considers free, other than avoid. Throws SandboxError.
    static int pickFree(int avoid);
    // The saved port if it is usable, else a new one (reported through progress) if the policy allows.
    // Throws SandboxError when the saved port is taken and must be kept.
    static int choose(int saved, int avoid, const std::string &service, PortPolicy policy,
                      const Sandbox::Progress &progress);
};

} // namespace inv
