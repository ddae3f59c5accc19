#include "importcountcommand.h"

#include "errors.h"
#include "inventory/inventoryservice.h"
#include "inventory/quantity.h"
#include "inventory/stockcount.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {
constexpr int kShownChanges = 40;
constexpr int kShownErrors = 20;
constexpr std::uintmax_t kMaxFileBytes = 64u << 20;

std::string readFile(const std::string &path)
{
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
        throw inv::InvalidInput("'" + inv::Quantity::printable(path) +
                                "' is a directory: give the path of a CSV file");
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > kMaxFileBytes)
        throw inv::InvalidInput("'" + inv::Quantity::printable(path) + "' is " + std::to_string(size >> 20) +
                                " MiB: a stock count is at most 64 MiB; split it into several files");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw inv::InvalidInput("cannot read '" + inv::Quantity::printable(path) +
                                "': check the path and that you may read it");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// A path that is not UTF-8 is shown with U+FFFD rather than refused by the JSON writer.
std::string shownJson(const nlohmann::json &json)
{
    return inv::Quantity::printableJson(json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
} // namespace

ImportCountCommand::ImportCountCommand(const CommandLine &args, inv::InventoryService &service)
    : m_args(args), m_service(service)
{}

int ImportCountCommand::run()
{
    const std::string &path = m_args.positionals()[0];
    const bool json = m_args.flag("json");
    const bool dryRun = m_args.flag("dry-run");
    const auto start = std::chrono::steady_clock::now();
    auto count = inv::StockCount::parse(readFile(path), std::filesystem::path(path).filename().string());
    if (count.fileError().empty()) {
        if (!json)
            std::cerr << "comparing " << count.lines().size() << " counted SKUs with the database…\n";
        count.preview(m_service.pgPool());
    }
    nlohmann::json out{{"file", path}, {"lines", count.lines().size()}, {"changes", count.changeCount()}};
    if (!count.valid()) {
        if (json) {
            nlohmann::json errors = nlohmann::json::array();
            if (!count.fileError().empty())
                errors.push_back({{"line", nullptr}, {"error", count.fileError()}});
            for (const auto &line : count.lines())
                if (!line.error.empty())
                    errors.push_back({{"line", line.line}, {"error", line.error}});
            out["errors"] = errors;
            out["applied"] = false;
            std::cout << shownJson(out) << "\n";
        }
        throw inv::InvalidInput("the stock count in '" + inv::Quantity::printable(path) +
                                "' was refused; nothing was written:\n" + count.errorSummary(kShownErrors) +
                                "correct the file and import it again");
    }
    if (!json)
        printPreview(count);
    out["unchanged"] = static_cast<int>(count.lines().size()) - count.changeCount();
    if (dryRun) {
        out["applied"] = false;
        if (json)
            std::cout << shownJson(out) << "\n";
        else
            std::cout << "dry run: nothing was written\n";
        return 0;
    }
    if (!json && count.changeCount() > 0)
        std::cerr << "applying " << count.changeCount() << " adjustments in one transaction…\n";
    inv::StockCountResult result;
    try {
        result = m_service.importCount(count);
    } catch (const inv::VersionConflict &e) {
        throw inv::VersionConflict(e.sku(), e.expectedVersion(), e.currentVersion(), e.currentStock(),
                                   "It changed while the count was being applied: import the file again to "
                                   "compare it with the new stock");
    }
    const double ms = msSince(start);
    out["applied"] = true;
    out["adjusted"] = result.adjusted;
    out["ms"] = ms;
    if (json) {
        std::cout << shownJson(out) << "\n";
    } else {
        char line[160];
        std::snprintf(line, sizeof line, "applied: %d adjusted, %d unchanged, one audit row each (%.0f ms)\n",
                      result.adjusted, result.unchanged, ms);
        std::cout << line;
    }
    return 0;
}

void ImportCountCommand::printPreview(const inv::StockCount &count) const
{
    std::printf("%-6s %-24s %10s %10s %10s\n", "LINE", "SKU", "CURRENT", "COUNTED", "CHANGE");
    int shown = 0;
    for (const auto &line : count.lines()) {
        if (line.difference() == 0)
            continue;
        if (shown++ == kShownChanges) {
            std::printf("… and %d more changes\n", count.changeCount() - kShownChanges);
            break;
        }
        std::printf("%-6d %-24s %10d %10d %+10d\n", line.line, inv::Quantity::printable(line.sku).c_str(),
                    line.current, line.counted, line.difference());
    }
    std::printf("%zu SKUs counted: %d to change, %zu unchanged\n", count.lines().size(), count.changeCount(),
                count.lines().size() - static_cast<std::size_t>(count.changeCount()));
    std::fflush(stdout);
}
