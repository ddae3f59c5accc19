// The live statistics of the Simulation page, as Locust shows them: for each run (each strategy in
// compare mode) one row per operation that occurred (read, purchase, restock) and one for all
// requests, with the request count, the rate, latency percentiles, the maximum, refusals and
// failures. While a run goes on, percentiles and the maximum are those of the run so far, from the
// engine's merged histograms (never averaged across windows), and the rate is the latest 250 ms
// window's; once its report arrives, the row holds the whole run's values. A live update is one
// narrow dataChanged over the run's rows, after inserting the rows of operations seen for the first
// time. GUI thread only.
#pragma once

#include "sim/simulationreport.h"

#include <QAbstractTableModel>

#include <array>
#include <optional>
#include <vector>

class SimulationStatsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        OperationColumn,
        RequestsColumn,
        RateColumn,
        P50Column,
        P95Column,
        P99Column,
        MaxColumn,
        RefusedColumn,
        ErrorsColumn, // "Failures", as Locust calls them
        ColumnCount
    };
    enum Operation
    {
        Read,
        Purchase,
        Restock,
        Write, // purchases and restocks together: reports from before they were counted apart
        All,
        OperationCount
    };
    enum Role
    {
        // The number behind a cell, or an invalid QVariant where the cell shows "—".
        ValueRole = Qt::UserRole + 1,
    };

    explicit SimulationStatsModel(QObject *parent = nullptr);

    void clear();
    // Adds a run, with its row of all requests; returns its index for setOperations() and setReport().
    int beginRun(const QString &name);
    // Live: the snapshot's per-operation statistics ("read", "purchase", "restock", "all").
    void setOperations(int run, const std::vector<inv::OperationStats> &operations);
    void setReport(int run, const inv::SimulationReport &report);
    // The row of an operation of a run, or -1 when that operation has not occurred.
    int rowOf(int run, Operation operation) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        std::optional<double> requests, rate, p50, p95, p99, max, refused, errors;
    };
    using Rows = std::array<std::optional<Row>, OperationCount>;
    struct Run
    {
        QString name;
        bool final = false;
        Rows rows;
    };
    static Row rowFrom(const inv::OperationStats &stats, Operation operation);
    static std::optional<double> cell(const Row &row, int column);
    // Replaces a run's rows, inserting those of operations that appear for the first time.
    void apply(int run, const Rows &rows);
    // The run and operation shown at `row`.
    std::pair<int, Operation> locate(int row) const;
    int firstRow(int run) const;
    static int shownRows(const Run &run);
    QString operationTip(const Run &run, Operation operation) const;

    std::vector<Run> m_runs;
};
