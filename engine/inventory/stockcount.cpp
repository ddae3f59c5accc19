#include "inventory/stockcount.h"

#include "errors.h"
#include "inventory/quantity.h"

#include <algorithm>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace inv {

namespace {

std::string trim(const std::string &text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    return text;
}

// One CSV record of one line (RFC 4180 quoting, "" for a quote inside quotes). A quoted field that
// spans lines is refused rather than joined: a count has no use for it.
bool splitFields(const std::string &line, std::vector<std::string> &fields, std::string &error)
{
    fields.clear();
    std::string field;
    bool quoted = false;
    bool wasQuoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"' && trim(field).empty()) {
            quoted = true;
            wasQuoted = true;
            field.clear();
        } else if (c == ',') {
            fields.push_back(wasQuoted ? field : trim(field));
            field.clear();
            wasQuoted = false;
        } else {
            field += c;
        }
    }
    if (quoted) {
        error = "a quoted field is not closed on this line; close the quote (\"), or write \"\" for a quote";
        return false;
    }
    fields.push_back(wasQuoted ? field : trim(field));
    return true;
}

std::string sqlSkus(const std::vector<StockCountLine> &lines)
{
    nlohmann::json skus = nlohmann::json::array();
    for (const auto &line : lines)
        skus.push_back(line.sku);
    return skus.dump();
}

} // namespace

StockCount StockCount::parse(const std::string &bytes, const std::string &fileName)
{
    StockCount count;
    count.m_fileName = fileName;
    // The name goes into every audit row's reason, and from there to terminals and spreadsheets.
    try {
        Quantity::checkText(fileName, "the file name", "rename the file, then import it again");
    } catch (const InvalidInput &e) {
        count.m_fileError = e.what();
        return count;
    }
    std::string text = bytes;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) // a byte-order mark, as spreadsheets write
        text.erase(0, 3);
    if (trim(text).find_first_not_of("\r\n") == std::string::npos) {
        count.m_fileError = "the file is empty: the first line must be the header 'sku,counted' (or "
                            "'sku,counted,reason'), then one line per counted SKU";
        return count;
    }
    std::unordered_map<std::string, int> firstLine;
    bool headerSeen = false;
    bool withReason = false;
    std::size_t start = 0;
    int number = 0;
    std::vector<std::string> fields;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string raw = text.substr(start, end - start);
        start = end + 1;
        ++number;
        if (!raw.empty() && raw.back() == '\r')
            raw.pop_back();
        if (!Quantity::isUtf8(raw)) {
            count.m_fileError = "line " + std::to_string(number) +
                                " is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in a spreadsheet) and "
                                "import it again";
            count.m_lines.clear();
            return count;
        }
        if (trim(raw).empty())
            continue;
        std::string splitError;
        const bool split = splitFields(raw, fields, splitError);
        if (!headerSeen) {
            headerSeen = true;
            std::vector<std::string> names;
            for (const auto &field : fields)
                names.push_back(lower(trim(field)));
            withReason = names == std::vector<std::string>{"sku", "counted", "reason"};
            if (!split || (!withReason && names != std::vector<std::string>{"sku", "counted"})) {
                count.m_fileError =
                    "line " + std::to_string(number) +
                    ": the first line must be the header 'sku,counted' or 'sku,counted,reason'; "
                    "found '" +
                    Quantity::printable(raw.substr(0, 80)) + "'";
                return count;
            }
            continue;
        }
        StockCountLine line;
        line.line = number;
        const std::size_t expected = withReason ? 3 : 2;
        if (!split) {
            line.error = splitError;
        } else if (fields.size() != expected && !(withReason && fields.size() == 2)) {
            line.error = "expected " + std::to_string(expected) + " fields (" +
                         (withReason ? "sku,counted,reason" : "sku,counted") + "), found " +
                         std::to_string(fields.size());
        } else {
            line.sku = fields[0];
            try {
                Quantity::checkSku(line.sku);
                line.counted = Quantity::parse(fields[1], true);
                if (fields.size() == 3) {
                    line.reason = fields[2];
                    Quantity::checkReason(line.reason);
                }
            } catch (const InvalidInput &e) {
                line.error = e.what();
            }
            if (line.error.empty()) {
                const auto [it, inserted] = firstLine.emplace(line.sku, number);
                if (!inserted)
                    line.error = "'" + line.sku + "' is counted twice: first on line " +
                                 std::to_string(it->second) + "; keep one line per SKU";
            }
        }
        count.m_lines.push_back(std::move(line));
    }
    if (count.m_lines.empty())
        count.m_fileError = "the file has its header but no counts: add one line per SKU, e.g. 'SKU-0001,42'";
    return count;
}

void StockCount::preview(PgPool &pool)
{
    if (!m_fileError.empty())
        return;
    auto connection = pool.acquire();
    auto result = connection->exec("SELECT sku, stock, version FROM inventory "
                                   "WHERE sku IN (SELECT jsonb_array_elements_text($1::jsonb))",
                                   {sqlSkus(m_lines)});
    std::unordered_map<std::string, int> rowOf;
    for (int r = 0; r < result.rows(); ++r)
        rowOf.emplace(result.text(r, 0), r);
    for (auto &line : m_lines) {
        const auto it = rowOf.find(line.sku);
        line.known = it != rowOf.end();
        if (line.known) {
            line.current = result.int32(it->second, 1);
            line.version = result.int64(it->second, 2);
        } else if (line.error.empty() && !line.sku.empty()) {
            line.error = "unknown SKU '" + Quantity::printable(line.sku) +
                         "': add the product first, or correct the SKU";
        }
    }
    m_previewed = true;
}

bool StockCount::valid() const
{
    return m_fileError.empty() && errorCount() == 0;
}

int StockCount::errorCount() const
{
    return static_cast<int>(std::count_if(m_lines.begin(), m_lines.end(),
                                          [](const StockCountLine &line) { return !line.error.empty(); }));
}

int StockCount::changeCount() const
{
    return static_cast<int>(std::count_if(m_lines.begin(), m_lines.end(), [](const StockCountLine &line) {
        return line.error.empty() && line.known && line.counted != line.current;
    }));
}

std::string StockCount::errorSummary(int limit) const
{
    if (!m_fileError.empty())
        return m_fileError;
    std::string out;
    int shown = 0;
    for (const auto &line : m_lines) {
        if (line.error.empty())
            continue;
        if (shown == limit) {
            out += "… and " + std::to_string(errorCount() - shown) + " more\n";
            break;
        }
        out += "line " + std::to_string(line.line) + ": " + line.error + "\n";
        ++shown;
    }
    return out;
}

std::string StockCount::auditReason(const StockCountLine &line) const
{
    std::string reason = "stock count " + m_fileName;
    if (!line.reason.empty())
        reason += ": " + line.reason;
    return Quantity::truncateReason(reason);
}

StockCountResult StockCount::apply(PgPool &pool, const std::string &serverId, const std::string &actor)
{
    if (!m_previewed)
        throw InvalidInput("the stock count was not compared with the database yet; preview it first");
    if (!valid())
        throw InvalidInput("the stock count has " + std::to_string(std::max(errorCount(), 1)) +
                           " problem(s); nothing was written:\n" + errorSummary(20));
    nlohmann::json input = nlohmann::json::array();
    for (const auto &line : m_lines)
        input.push_back({{"sku", line.sku}, {"counted", line.counted}, {"reason", auditReason(line)}});
    const std::string inputJson = input.dump();

    auto connection = pool.acquire();
    PgTransaction tx(*connection);
    // Rows locked in SKU order, as every multi-row writer here does, so two imports cannot deadlock.
    auto locked =
        connection->exec("SELECT sku, stock, version FROM inventory "
                         "WHERE sku IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY sku FOR UPDATE",
                         {sqlSkus(m_lines)});
    if (locked.rows() != static_cast<int>(m_lines.size()))
        throw InvalidInput("a counted SKU was removed since the preview; preview the file again");
    std::unordered_map<std::string, const StockCountLine *> bySku;
    for (const auto &line : m_lines)
        bySku.emplace(line.sku, &line);
    for (int r = 0; r < locked.rows(); ++r) {
        const StockCountLine &line = *bySku.at(locked.text(r, 0));
        if (locked.int64(r, 2) != line.version)
            throw VersionConflict(line.sku, line.version, locked.int64(r, 2), locked.int32(r, 1));
    }
    auto written = connection->exec(R"sql(
WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(sku text, counted int, reason text)),
u AS (
    -- The rows are locked already, so the stock read here is the one the update replaces.
    UPDATE inventory i SET stock = s.counted, version = i.version + 1, updated_at = clock_timestamp()
    FROM (SELECT input.sku, input.counted, input.reason, c.stock AS before
          FROM input JOIN inventory c USING (sku)) s
    WHERE i.sku = s.sku AND i.stock <> s.counted
    RETURNING i.sku, i.stock, i.version, s.before, s.reason),
a AS (
    INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, server_id, reason, actor)
    SELECT u.sku, 'adjust', u.stock - u.before, u.before, u.stock, u.version, $2, u.reason, coalesce($3, session_user)
    FROM u
    RETURNING sku, version),
m AS (
    INSERT INTO cache_repairs (sku, version) SELECT sku, version FROM a
    ON CONFLICT (sku) DO UPDATE
    SET version = greatest(cache_repairs.version, excluded.version), noted_at = clock_timestamp())
SELECT sku, version FROM a ORDER BY sku)sql",
                                    {inputJson, serverId, actor.empty() ? PgParam() : PgParam(actor)});
    tx.commit();
    StockCountResult result;
    for (int r = 0; r < written.rows(); ++r)
        result.written.emplace_back(written.text(r, 0), written.int64(r, 1));
    result.adjusted = written.rows();
    result.unchanged = static_cast<int>(m_lines.size()) - result.adjusted;
    return result;
}

} // namespace inv
