#include "simulationstatsmodel.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace {
std::optional<SimulationStatsModel::Operation> operationNamed(const std::string &name)
{
    using M = SimulationStatsModel;
    if (name == "read")
        return M::Read;
    if (name == "purchase")
        return M::Purchase;
    if (name == "restock")
        return M::Restock;
    if (name == "all")
        return M::All;
    return std::nullopt;
}
} // namespace

SimulationStatsModel::SimulationStatsModel(QObject *parent) : QAbstractTableModel(parent) {}

void SimulationStatsModel::clear()
{
    beginResetModel();
    m_runs.clear();
    endResetModel();
}

int SimulationStatsModel::beginRun(const QString &name)
{
    const int run = static_cast<int>(m_runs.size());
    const int row = rowCount();
    beginInsertRows({}, row, row);
    Run added{name, false, {}};
    added.rows[All] = Row{};
    m_runs.push_back(added);
    endInsertRows();
    return run;
}

int SimulationStatsModel::shownRows(const Run &run)
{
    return static_cast<int>(
        std::count_if(run.rows.begin(), run.rows.end(), [](const auto &r) { return r.has_value(); }));
}

int SimulationStatsModel::firstRow(int run) const
{
    int row = 0;
    for (int r = 0; r < run; ++r)
        row += shownRows(m_runs[static_cast<std::size_t>(r)]);
    return row;
}

int SimulationStatsModel::rowOf(int run, Operation operation) const
{
    if (run < 0 || run >= static_cast<int>(m_runs.size()))
        return -1;
    const Rows &rows = m_runs[static_cast<std::size_t>(run)].rows;
    if (!rows[operation])
        return -1;
    int row = firstRow(run);
    for (int o = 0; o < operation; ++o)
        row += rows[static_cast<std::size_t>(o)] ? 1 : 0;
    return row;
}

std::pair<int, SimulationStatsModel::Operation> SimulationStatsModel::locate(int row) const
{
    for (std::size_t r = 0; r < m_runs.size(); ++r)
        for (int o = 0; o < OperationCount; ++o)
            if (m_runs[r].rows[static_cast<std::size_t>(o)] && row-- == 0)
                return {static_cast<int>(r), static_cast<Operation>(o)};
    return {-1, All};
}

SimulationStatsModel::Row SimulationStatsModel::rowFrom(const inv::OperationStats &stats, Operation operation)
{
    Row row;
    const auto &l = stats.latency;
    row.requests = static_cast<double>(l.count);
    row.rate = stats.ratePerSecond;
    if (l.count > 0) {
        row.p50 = l.p50;
        row.p95 = l.p95;
        row.p99 = l.p99;
        row.max = l.max;
    }
    // Only a purchase can be refused; the other rows leave the cell empty rather than show a 0.
    if (operation == Purchase || operation == All || operation == Write)
        row.refused = static_cast<double>(stats.refused);
    row.errors = static_cast<double>(stats.failures);
    return row;
}

void SimulationStatsModel::setOperations(int runIndex, const std::vector<inv::OperationStats> &operations)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()) || operations.empty())
        return;
    if (m_runs[static_cast<std::size_t>(runIndex)].final)
        return;
    Rows rows;
    for (const auto &o : operations) {
        const auto operation = operationNamed(o.name);
        // A row for each operation that occurred, and always the row of all requests.
        if (operation && (o.latency.count > 0 || *operation == All))
            rows[*operation] = rowFrom(o, *operation);
    }
    rows[All] = rows[All].value_or(Row{});
    apply(runIndex, rows);
}

void SimulationStatsModel::setReport(int runIndex, const inv::SimulationReport &report)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    m_runs[static_cast<std::size_t>(runIndex)].final = false;
    if (!report.operations.empty()) {
        setOperations(runIndex, report.operations);
    } else {
        // A stored report from before operations were counted apart: reads and writes.
        const double seconds = std::max(1e-3, report.durationSeconds);
        const auto summary = [seconds](const char *name, const inv::LatencySummary &l, long long refused) {
            inv::OperationStats o;
            o.name = name;
            o.latency = l;
            o.ratePerSecond = static_cast<double>(l.count) / seconds;
            o.refused = refused;
            return o;
        };
        Rows rows;
        if (report.read.count > 0)
            rows[Read] = rowFrom(summary("read", report.read, 0), Read);
        if (report.write.count > 0)
            rows[Write] = rowFrom(summary("write", report.write, report.rejections), Write);
        inv::OperationStats all = summary("all", {}, report.rejections);
        all.latency.count = report.requests;
        all.ratePerSecond = report.throughputRps;
        all.failures = report.errors;
        rows[All] = rowFrom(all, All);
        rows[All]->max = std::max(report.read.max, report.write.max);
        apply(runIndex, rows);
    }
    m_runs[static_cast<std::size_t>(runIndex)].final = true;
}

void SimulationStatsModel::apply(int runIndex, const Rows &rows)
{
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    for (int o = 0; o < OperationCount; ++o) {
        const auto i = static_cast<std::size_t>(o);
        if (!rows[i] || run.rows[i])
            continue;
        int row = firstRow(runIndex);
        for (int before = 0; before < o; ++before)
            row += run.rows[static_cast<std::size_t>(before)] ? 1 : 0;
        beginInsertRows({}, row, row);
        run.rows[i] = rows[i];
        endInsertRows();
    }
    for (std::size_t i = 0; i < run.rows.size(); ++i)
        if (run.rows[i])
            run.rows[i] = rows[i].value_or(Row{});
    const int first = firstRow(runIndex);
    emit dataChanged(index(first, RequestsColumn), index(first + shownRows(run) - 1, ErrorsColumn),
                     {Qt::DisplayRole, ValueRole});
}

int SimulationStatsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : firstRow(static_cast<int>(m_runs.size()));
}

int SimulationStatsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

std::optional<double> SimulationStatsModel::cell(const Row &row, int column)
{
    switch (column) {
    case RequestsColumn:
        return row.requests;
    case RateColumn:
        return row.rate;
    case P50Column:
        return row.p50;
    case P95Column:
        return row.p95;
    case P99Column:
        return row.p99;
    case MaxColumn:
        return row.max;
    case RefusedColumn:
        return row.refused;
    case ErrorsColumn:
        return row.errors;
    default:
        return std::nullopt;
    }
}

QString SimulationStatsModel::operationTip(const Run &run, Operation operation) const
{
    static const char *const what[OperationCount] = {
        QT_TR_NOOP("Reads of a product's stock, answered by the cache or, on a miss, by the database."),
        QT_TR_NOOP("Purchases: take units from a product's stock, refused when too few are left."),
        QT_TR_NOOP("Restocks: add units to a product's stock."),
        QT_TR_NOOP("Purchases and restocks together (a run stored before they were counted apart)."),
        QT_TR_NOOP("Every request together, its percentiles from every operation's histograms merged.")};
    const QString when = run.final ? tr("Whole run, from the run's report.")
                                   : tr("Live: percentiles over the run so far, rate of the latest window.");
    return tr(what[operation]) + QLatin1Char(' ') + when;
}

QVariant SimulationStatsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto [runIndex, operation] = locate(index.row());
    if (runIndex < 0)
        return {};
    const Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    const int column = index.column();
    if (column == OperationColumn) {
        static const char *const names[OperationCount] = {QT_TR_NOOP("read"), QT_TR_NOOP("purchase"),
                                                          QT_TR_NOOP("restock"), QT_TR_NOOP("write"),
                                                          QT_TR_NOOP("all")};
        if (role == Qt::DisplayRole)
            return run.name.isEmpty() ? tr(names[operation])
                                      : run.name + QStringLiteral(" · ") + tr(names[operation]);
        if (role == Qt::ToolTipRole)
            return operationTip(run, operation);
        return {};
    }
    const std::optional<double> value = cell(*run.rows[operation], column);
    switch (role) {
    case ValueRole:
        return value ? QVariant(*value) : QVariant();
    case Qt::DisplayRole: {
        if (!value)
            return QStringLiteral("—");
        const QLocale locale;
        const bool count = column == RequestsColumn || column == RefusedColumn || column == ErrorsColumn;
        if (count)
            return locale.toString(static_cast<qlonglong>(std::llround(*value)));
        if (column == RateColumn)
            return locale.toString(*value, 'f', 0);
        return locale.toString(*value, 'f', *value < 10 ? 2 : 1);
    }
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (!value && column == RefusedColumn)
            return tr("Only a purchase can be refused");
        return operationTip(run, operation);
    default:
        return {};
    }
}

QVariant SimulationStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char *const titles[ColumnCount] = {
        QT_TR_NOOP("Operation"), QT_TR_NOOP("Requests"), QT_TR_NOOP("Req/s"),
        QT_TR_NOOP("p50 ms"),    QT_TR_NOOP("p95 ms"),   QT_TR_NOOP("p99 ms"),
        QT_TR_NOOP("Max ms"),    QT_TR_NOOP("Sold out"), QT_TR_NOOP("Failures")};
    static const char *const tips[ColumnCount] = {
        QT_TR_NOOP("The strategy and the kind of request: read, purchase, restock, or all of them."),
        QT_TR_NOOP("How many requests of this kind were made so far, served or not."),
        QT_TR_NOOP("Requests served per second: in the latest 250 ms window while the run goes on, over the "
                   "whole load once it has ended."),
        QT_TR_NOOP("Median latency from the intended start, in ms, over the run so far."),
        QT_TR_NOOP("95th percentile latency in ms: 95 of 100 requests so far were faster."),
        QT_TR_NOOP("99th percentile latency in ms: 99 of 100 requests so far were faster."),
        QT_TR_NOOP("The slowest request so far, in ms."),
        QT_TR_NOOP("Buyers turned away because the stock ran out, by the database or, in a flash sale, by "
                   "the stock their read showed (they send no purchase): a correct answer, not a failure."),
        QT_TR_NOOP("Requests that failed with an error: the database or the cache unreachable, or a "
                   "timeout.")};
    if (role == Qt::DisplayRole)
        return tr(titles[section]);
    if (role == Qt::ToolTipRole)
        return tr(tips[section]);
    return {};
}
