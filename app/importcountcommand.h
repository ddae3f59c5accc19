// `inventory-console import-count FILE [--dry-run]`: reads a stock count CSV, prints the preview
// (differences, and every refused line with its number and reason), and applies it in one
// transaction unless --dry-run. Any invalid line: exit 2 and nothing written. Main thread only.
#pragma once

#include "commandline.h"

namespace inv {
class InventoryService;
class StockCount;
} // namespace inv

class ImportCountCommand
{
public:
    ImportCountCommand(const CommandLine &args, inv::InventoryService &service);
    // Throws the engine's typed errors; CliCommands maps them to exit codes.
    int run();

private:
    void printPreview(const inv::StockCount &count) const;

    const CommandLine &m_args;
    inv::InventoryService &m_service;
};
