// Times the audit-log page over a 1,000,000-row log: opening it until the first page is shown,
// scrolling ten more pages in, filtering by SKU and by reason until the first page of results, and
// loading one SKU's chart. Seeds the log with one set-based INSERT for a dedicated SKU set when it is
// not there yet (the log is append-only, so the rows stay). Prints medians of 5 runs as Markdown.
// Usage: bench_auditlog [--runs N] [--rows N] [--screenshot FILE]   (INVENTORY_PG_URL must be set)
#include "auditlogmodel.h"
#include "auditpage.h"
#include "db/pgconnection.h"
#include "stockhistorychart.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr int kProducts = 100;
const std::string kPrefix = "BENCH-AUDIT-";

std::string benchSku(int p)
{
    std::string n = std::to_string(p);
    return kPrefix + std::string(3 - std::min<std::size_t>(3, n.size()), '0') + n;
}

std::string skuArray()
{
    std::string array = "{";
    for (int p = 0; p < kProducts; ++p) {
        if (p > 0)
            array += ',';
        array += benchSku(p);
    }
    array += '}';
    return array;
}

// Keeps the event loop turning until the condition holds; false on timeout.
bool waitFor(const std::function<bool()> &done, int timeoutMs = 60000)
{
    QElapsedTimer timer;
    timer.start();
    QTimer tick; // wakes the loop to check the timeout even when nothing arrives
    tick.start(20);
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

long long seed(inv::PgConnection &db, long long rows)
{
    db.exec("INSERT INTO inventory (sku, name, stock, version) "
            "SELECT $1 || lpad(p::text, 3, '0'), 'Audit benchmark product ' || p, 0, 1 "
            "FROM generate_series(0, $2::int - 1) p ON CONFLICT (sku) DO NOTHING",
            {kPrefix, std::to_string(kProducts)});
    const long long have =
        db.exec("SELECT count(*) FROM inventory_audit WHERE sku = ANY($1::text[])", {skuArray()}).int64(0, 0);
    if (have >= rows)
        return have;
    std::fprintf(stderr, "seeding %lld audit rows for %d benchmark SKUs...\n", rows - have, kProducts);
    QElapsedTimer timer;
    timer.start();
    // One statement: 100 SKUs taking turns, one change a second ending now, stock that wanders with a
    // slow wave of restocks, and each row's stock_before equal to the previous row's stock_after.
    db.exec(R"sql(
INSERT INTO inventory_audit (sku, action, quantity, stock_before, stock_after, version, actor, server_id, reason, at)
SELECT sku, action, CASE WHEN action = 'adjust' THEN delta ELSE abs(delta) END, after - delta, after, version, actor, server_id, reason, at
FROM (
    SELECT $1 || lpad((g % 100)::text, 3, '0') AS sku, action,
           CASE action WHEN 'purchase' THEN -(1 + r % 5) WHEN 'restock' THEN 4 + r % 23 ELSE r % 9 - 4 END AS delta,
           3000 + sum(CASE action WHEN 'purchase' THEN -(1 + r % 5) WHEN 'restock' THEN 4 + r % 23 ELSE r % 9 - 4 END)
               OVER (PARTITION BY g % 100 ORDER BY g) AS after,
           k + 1 AS version,
           (ARRAY['inventory', 'alice', 'bob', 'svc-checkout'])[1 + ((g / 7) % 4)::int] AS actor,
           'app-' || (1 + g % 4) AS server_id,
           CASE action WHEN 'purchase' THEN 'web order #' || (100000 + g)
                       WHEN 'restock' THEN 'supplier delivery PO-' || (1000 + g % 50)
                       ELSE 'cycle count correction, aisle ' || (1 + g % 12) END AS reason,
           now() - ($3::bigint - g) * interval '1 second' AS at
    FROM (
        SELECT g, g / 100 AS k, r, CASE WHEN h < 70 THEN 'purchase'
                       WHEN h < 84 + round(8 * sin((g / 100) / 250.0)) THEN 'restock'
                       ELSE 'adjust' END AS action
        FROM (SELECT g, abs(hashint8(g)::bigint) % 100 AS h, abs(hashint8(-g)::bigint) AS r
              FROM generate_series($2::bigint, $3::bigint) g) hashed
    ) actions
) rows
ORDER BY at
)sql",
            {kPrefix, std::to_string(have + 1), std::to_string(rows)});
    // Each product's stock ends where its audit trail does.
    db.exec(
        "UPDATE inventory i SET stock = greatest(a.stock_after, 0), version = a.version FROM ("
        "SELECT DISTINCT ON (sku) sku, stock_after, version FROM inventory_audit WHERE sku = ANY($1::text[]) "
        "ORDER BY sku, at DESC, id DESC) a WHERE i.sku = a.sku",
        {skuArray()});
    db.exec("ANALYZE inventory_audit");
    std::fprintf(stderr, "seeded in %.1f s\n", double(timer.elapsed()) / 1000.0);
    return rows;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

double ms(const QElapsedTimer &timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

// Applies a filter and returns the time until its first page is in the model.
double timeFilter(AuditPage &page, const AuditFilter &filter, int *rowsShown)
{
    AuditLogModel *model = page.model();
    bool arrived = false;
    const auto connection =
        QObject::connect(model, &AuditLogModel::pageArrived, [&](int, bool first) { arrived |= first; });
    QElapsedTimer timer;
    timer.start();
    model->setFilter(filter);
    const bool ok = waitFor([&] { return arrived; });
    page.tableView()->viewport()->repaint();
    const double elapsed = ms(timer);
    QObject::disconnect(connection);
    *rowsShown = model->rowCount();
    return ok ? elapsed : -1;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setStyle(u"Fusion"_s);
    int runs = 5;
    long long rows = 1'000'000;
    QString screenshot;
    const QStringList args = QCoreApplication::arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args.at(i) == "--runs"_L1)
            runs = std::max(1, args.at(i + 1).toInt());
        else if (args.at(i) == "--rows"_L1)
            rows = std::max(1LL, args.at(i + 1).toLongLong());
        else if (args.at(i) == "--screenshot"_L1)
            screenshot = args.at(i + 1);
    }
    const QString url = qEnvironmentVariable("INVENTORY_PG_URL");
    if (url.isEmpty()) {
        std::fprintf(stderr,
                     "bench_auditlog: set INVENTORY_PG_URL (tests/benchmarks/run_audit_benchmark.sh does)\n");
        return 2;
    }

    long long total = 0;
    try {
        // The synthetic history is written as the tables' owner: the database takes an audit row from
        // the application's role only together with the change it records.
        const QString owner = qEnvironmentVariable("INVENTORY_PG_OWNER_URL");
        inv::PgConnection db((owner.isEmpty() ? url : owner).toStdString());
        seed(db, rows);
        total = db.exec("SELECT count(*) FROM inventory_audit").int64(0, 0);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "bench_auditlog: %s\n", e.what());
        return 3;
    }

    if (!screenshot.isEmpty()) {
        AuditPage page;
        page.resize(1200, 750);
        page.show();
        page.setDatabase(url);
        if (!waitFor([&] { return page.model()->rowCount() > 0 && !page.model()->isLoading(); }))
            return 3;
        page.tableView()->selectRow(2);
        const QString sku = page.model()->row(2).sku;
        waitFor([&] { return page.chart()->sku() == sku && page.chart()->sampleCount() > 0; });
        waitFor([] { return false; }, 300); // let the chart settle and paint
        const bool saved = page.grab().save(screenshot);
        std::fprintf(stderr, "%s %s\n", saved ? "saved" : "could not save", qPrintable(screenshot));
        return saved ? 0 : 1;
    }

    const QString skuFilter = QString::fromStdString(benchSku(42));
    std::map<std::string, std::vector<double>> samples;
    std::map<std::string, int> shown;
    for (int run = 0; run < runs; ++run) {
        std::fprintf(stderr, "run %d/%d\n", run + 1, runs);
        QElapsedTimer timer;
        timer.start();
        AuditPage page;
        page.resize(1200, 750);
        page.show();
        page.setDatabase(url);
        if (!waitFor([&] { return page.model()->rowCount() > 0; })) {
            std::fprintf(stderr, "bench_auditlog: the first page never arrived\n");
            return 3;
        }
        page.tableView()->viewport()->repaint();
        samples["open"].push_back(ms(timer));
        shown["open"] = page.model()->rowCount();

        // Scrolling to the bottom is what makes the view ask for the next page.
        QTableView *view = page.tableView();
        timer.restart();
        for (int p = 0; p < 10; ++p) {
            const int before = page.model()->rowCount();
            view->scrollToBottom();
            if (!waitFor([&] { return page.model()->rowCount() > before; })) {
                std::fprintf(stderr, "bench_auditlog: scrolling did not load page %d\n", p + 2);
                return 3;
            }
            view->viewport()->repaint();
        }
        samples["scroll"].push_back(ms(timer));
        shown["scroll"] = page.model()->rowCount();

        AuditFilter filter;
        filter.sku = skuFilter;
        samples["sku"].push_back(timeFilter(page, filter, &shown["sku"]));

        filter = AuditFilter();
        filter.reasonText = u"delivery PO-1007"_s;
        samples["reason"].push_back(timeFilter(page, filter, &shown["reason"]));

        filter.reasonText = u"no such reason %_"_s;
        samples["nomatch"].push_back(timeFilter(page, filter, &shown["nomatch"]));

        filter = AuditFilter();
        filter.sku = skuFilter;
        filter.reasonText = u"PO-1042"_s;
        samples["skureason"].push_back(timeFilter(page, filter, &shown["skureason"]));

        // The chart follows the SKU filter; refresh() asks for it again without the selection debounce.
        page.showSku(QString::fromStdString(benchSku(7)));
        waitFor([&] { return page.chart()->sku() == QString::fromStdString(benchSku(7)); });
        int charts = 0;
        const auto counter =
            QObject::connect(page.chart(), &StockHistoryChart::historyChanged, [&] { ++charts; });
        timer.restart();
        page.refresh();
        waitFor([&] { return charts > 0; });
        page.chart()->viewport()->repaint();
        QObject::disconnect(counter);
        samples["chart"].push_back(ms(timer));
        shown["chart"] = page.chart()->sampleCount();
    }

    const auto row = [&](const char *what, const std::string &key, const char *unit) {
        const auto &v = samples[key];
        std::printf("| %s | %.1f | %.1f | %.1f | %d %s |\n", what, median(v),
                    *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()), shown[key],
                    unit);
    };
    std::printf("Audit log: %lld rows in inventory_audit; %d runs, medians; times in ms, offscreen.\n\n",
                total, runs);
    std::printf("| measurement | median | min | max | result |\n| --- | --- | --- | --- | --- |\n");
    row("open the page (connect, first page of 500, painted)", "open", "rows");
    row("scroll 10 more pages (keyset, 500 rows each)", "scroll", "rows");
    row("SKU filter, first page", "sku", "rows");
    row("reason filter \"delivery PO-1007\" (0.4% of rows), first page", "reason", "rows");
    row("reason filter with no match (scans every row)", "nomatch", "rows");
    row("SKU + reason filter, first page", "skureason", "rows");
    row("chart of one SKU (latest 5,000 changes)", "chart", "points");
    return 0;
}
