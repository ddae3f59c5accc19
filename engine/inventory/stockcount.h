// A stock count: a CSV of what was counted on the shelves (`sku,counted[,reason]`), checked line by
// line, compared with the database, and applied as one adjustment per changed SKU in a single
// transaction. Any invalid line refuses the whole file, so a count is applied completely or not at
// all. Not thread-safe: one count belongs to one caller; the pool it is given may be shared.
#pragma once

#include "db/pgpool.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace inv {

struct StockCountLine
{
    int line = 0; // 1-based, as an editor numbers the file
    std::string sku;
    int counted = 0;
    std::string reason; // the line's own reason; empty if it has none
    std::string error;  // why the line is refused; empty if it is valid
    // Filled in by preview().
    bool known = false;
    int current = 0;
    std::int64_t version = 0;

    int difference() const { return counted - current; }
};

struct StockCountResult
{
    int adjusted = 0;
    int unchanged = 0;
    // The SKUs written, each with its new version.
    std::vector<std::pair<std::string, std::int64_t>> written;
};

class StockCount
{
public:
    // Checks the file's bytes. Never throws for bad content: a line's problem is in its error, a
    // problem of the whole file (empty, not UTF-8, wrong header) in fileError().
    static StockCount parse(const std::string &bytes, const std::string &fileName);

    // Reads the stock and version of every SKU in one query; an unknown SKU becomes a line error.
    void preview(PgPool &pool);
    // One transaction: locks the rows in SKU order, refuses with VersionConflict if any changed since
    // preview(), writes each changed row with its audit row (reason "stock count <file>[: reason]")
    // and a cache repair mark, so that every server drops the value it cached. Throws InvalidInput
    // if the count has any error or was not previewed.
    StockCountResult apply(PgPool &pool, const std::string &serverId, const std::string &actor);

    bool valid() const;
    bool previewed() const { return m_previewed; }
    const std::string &fileName() const { return m_fileName; }
    const std::string &fileError() const { return m_fileError; }
    const std::vector<StockCountLine> &lines() const { return m_lines; }
    int errorCount() const;
    int changeCount() const;
    // The first problems, one per line of text ("line 4: …"), at most `limit`, and "… and N more".
    std::string errorSummary(int limit) const;
    std::string auditReason(const StockCountLine &line) const;

private:
    std::string m_fileName;
    std::string m_fileError;
    std::vector<StockCountLine> m_lines;
    bool m_previewed = false;
};

} // namespace inv
