// The live statistics table under the Simulation page's charts: a compact view of a
// SimulationStatsModel, fed by the page four times a second. GUI thread only.
#pragma once

#include <QTableView>

class SimulationStatsModel;

class SimulationStatsTable : public QTableView
{
    Q_OBJECT

public:
    explicit SimulationStatsTable(QWidget *parent = nullptr);

    SimulationStatsModel *statsModel() const { return m_model; }
    QSize sizeHint() const override;

private:
    SimulationStatsModel *m_model;
};
