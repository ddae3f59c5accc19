#include "simulationstatsmodel.h"

#include <QLocale>

#include <algorithm>

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
    beginInsertRows({}, rowOf(run, Read), rowOf(run, All));
    m_runs.push_back(Run{name, false, {}});
    endInsertRows();
    return run;
}

void SimulationStatsModel::setTimeline(int runIndex, const std::vector<inv::TimelinePoint> &timeline)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()) || timeline.empty())
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    if (run.final)
        return;
    // Counts are the windows' rates times their lengths. The snapshot splits requests into writes
    // (served or refused) and the rest, and does not split errors by operation.
    double all = 0, writes = 0, refused = 0, errors = 0, previous = 0;
    for (const auto &p : timeline) {
        const double dt = std::max(0.0, p.t - previous);
        previous = p.t;
        all += p.rps * dt;
        writes += (p.okPerSecond + p.rejectedPerSecond) * dt;
        refused += p.rejectedPerSecond * dt;
        errors += p.errorsPerSecond * dt;
    }
    const auto &last = timeline.back();
    const double writeRate = last.okPerSecond + last.rejectedPerSecond;
    const bool anyReads = all - writes >= 0.5;
    Row &read = run.rows[Read];
    read = Row{};
    read.requests = std::max(0.0, all - writes);
    read.rate = std::max(0.0, last.rps - writeRate);
    if (anyReads) {
        read.p50 = last.readP50Ms;
        read.p95 = last.readP95Ms;
        read.p99 = last.readP99Ms;
    }
    Row &write = run.rows[Write];
    write = Row{};
    write.requests = writes;
    write.rate = writeRate;
    if (writes >= 0.5) {
        write.p50 = last.writeP50Ms;
        write.p95 = last.writeP95Ms;
        write.p99 = last.writeP99Ms;
    }
    write.refused = refused;
    Row &total = run.rows[All];
    total = Row{};
    total.requests = all;
    total.rate = last.rps;
    total.refused = refused;
    total.errors = errors;
    changed(runIndex);
}

void SimulationStatsModel::setReport(int runIndex, const inv::SimulationReport &report)
{
    if (runIndex < 0 || runIndex >= static_cast<int>(m_runs.size()))
        return;
    Run &run = m_runs[static_cast<std::size_t>(runIndex)];
    run.final = true;
    const double seconds = std::max(1e-3, report.durationSeconds);
    const auto fill = [seconds](Row &row, const inv::LatencySummary &l) {
        row = Row{};
        row.requests = static_cast<double>(l.count);
        row.rate = static_cast<double>(l.count) / seconds;
        if (l.count > 0) {
            row.p50 = l.p50;
            row.p95 = l.p95;
            row.p99 = l.p99;
            row.max = l.max;
        }
    };
    fill(run.rows[Read], report.read);
    fill(run.rows[Write], report.write);
    run.rows[Write].refused = static_cast<double>(report.rejections);
    Row &total = run.rows[All];
    total = Row{};
    total.requests = static_cast<double>(report.requests);
    total.rate = report.throughputRps;
    total.max = std::max(report.read.max, report.write.max);
    total.refused = static_cast<double>(report.rejections);
    total.errors = static_cast<double>(report.errors);
    changed(runIndex);
}

void SimulationStatsModel::changed(int run)
{
    emit dataChanged(index(rowOf(run, Read), RequestsColumn), index(rowOf(run, All), ErrorsColumn),
                     {Qt::DisplayRole, ValueRole});
}

int SimulationStatsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size()) * OperationCount;
}

int SimulationStatsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

std::optional<double> SimulationStatsModel::cell(const Row &row, int column) const
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

QVariant SimulationStatsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run &run = m_runs[static_cast<std::size_t>(index.row() / OperationCount)];
    const auto operation = static_cast<Operation>(index.row() % OperationCount);
    const int column = index.column();
    if (column == OperationColumn) {
        static const char *const names[OperationCount] = {QT_TR_NOOP("read"), QT_TR_NOOP("write"),
                                                          QT_TR_NOOP("all")};
        if (role == Qt::DisplayRole)
            return run.name.isEmpty() ? tr(names[operation])
                                      : run.name + QStringLiteral(" · ") + tr(names[operation]);
        if (role == Qt::ToolTipRole) {
            static const char *const what[OperationCount] = {
                QT_TR_NOOP("Reads of a product's stock, from the cache or the database."),
                QT_TR_NOOP("Writes: purchases and restocks (the snapshot does not split them)."),
                QT_TR_NOOP("Every request together.")};
            const QString when =
                run.final ? tr("Whole run, from the run's report.") : tr("Live, from the latest window.");
            return QString(tr(what[operation]) + QLatin1Char(' ') + when);
        }
        return {};
    }
    const std::optional<double> value = cell(run.rows[operation], column);
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
        if (!value && column == MaxColumn)
            return tr("The maximum comes with the run's report; the live windows carry percentiles only");
        if (!value && (column == ErrorsColumn || column == RefusedColumn))
            return tr("Not split by operation: see the row of all requests");
        return {};
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
        QT_TR_NOOP("Max ms"),    QT_TR_NOOP("Refused"),  QT_TR_NOOP("Errors")};
    static const char *const tips[ColumnCount] = {
        QT_TR_NOOP("The strategy and the kind of request"),
        QT_TR_NOOP("Requests served so far: reads, purchases and restocks"),
        QT_TR_NOOP("Requests per second: in the latest 250 ms window while the run goes on, over the whole "
                   "run once it has ended"),
        QT_TR_NOOP("Median latency from the intended start, in ms: latest window live, whole run at the end"),
        QT_TR_NOOP("95th percentile latency in ms: latest window live, whole run at the end"),
        QT_TR_NOOP("99th percentile latency in ms: latest window live, whole run at the end"),
        QT_TR_NOOP("The slowest request of the run, in ms, known once the run has ended"),
        QT_TR_NOOP("Purchases refused because the stock ran out: a correct answer, not a failure"),
        QT_TR_NOOP("Requests that failed with an error (the database or the cache unreachable, a timeout)")};
    if (role == Qt::DisplayRole)
        return tr(titles[section]);
    if (role == Qt::ToolTipRole)
        return tr(tips[section]);
    return {};
}
