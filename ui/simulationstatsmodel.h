// The live statistics of the Simulation page, as Locust shows them: for each run (each strategy in
// compare mode) one row per operation (reads, writes, and all requests together) with the request
// count, the current rate, latency percentiles, the maximum, refusals and errors. While a run goes
// on, rates and percentiles are those of the monitor's latest 250 ms window (percentiles are never
// averaged across windows); once its report arrives, the row holds the whole run's merged values.
// A live update is one narrow dataChanged over the run's rows. GUI thread only.
#pragma once

#include "sim/simulationreport.h"

#include <QAbstractTableModel>

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
        ErrorsColumn,
        ColumnCount
    };
    enum Operation
    {
        Read,
        Write,
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
    // Adds the rows of a run; returns its index for setTimeline() and setReport().
    int beginRun(const QString &name);
    void setTimeline(int run, const std::vector<inv::TimelinePoint> &timeline);
    void setReport(int run, const inv::SimulationReport &report);
    static int rowOf(int run, Operation operation) { return run * OperationCount + operation; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        std::optional<double> requests, rate, p50, p95, p99, max, refused, errors;
    };
    struct Run
    {
        QString name;
        bool final = false;
        Row rows[OperationCount];
    };
    std::optional<double> cell(const Row &row, int column) const;
    void changed(int run);

    std::vector<Run> m_runs;
};
