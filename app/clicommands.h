// Runs one inventory-console subcommand and maps the engine's typed errors to docs/ARCHITECTURE.md's exit
// codes: 0 ok, 1 refused, 2 bad input (nothing written), 3 a service failed. Human output by
// default, JSON with --json. Main thread only.
#pragma once

#include "commandline.h"

#include <chrono>
#include <memory>
#include <optional>

namespace inv {
class InventoryService;
struct WriteResult;
} // namespace inv

class CliCommands
{
public:
    explicit CliCommands(const CommandLine &args);
    ~CliCommands();
    // Never throws: every error becomes a message on stderr and an exit code.
    int run();

private:
    int dispatch();
    int init();
    int add();
    int stock();
    int write();
    int audit();
    int reverse();
    int printWrite(const std::string &command, const std::string &sku, int quantity,
                   const inv::WriteResult &result, std::chrono::steady_clock::time_point start);
    inv::InventoryService &service();
    // Why a cache step of this command failed, worded with what to do; nullopt if none did.
    std::optional<std::string> cacheTrouble();

    const CommandLine &m_args;
    std::unique_ptr<inv::InventoryService> m_service;
};
