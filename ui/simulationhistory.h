// The run history of the Simulation page: the runs stored in simulation_runs, newest first, with
// their verdict. Double-clicking a run asks for its report to be reopened. GUI thread only.
#pragma once

#include <QList>
#include <QTableWidget>

struct HistoryEntry;

class SimulationHistory : public QTableWidget
{
    Q_OBJECT

public:
    explicit SimulationHistory(QWidget *parent = nullptr);

    void setEntries(const QList<HistoryEntry> &entries);

signals:
    void reopenRequested(qint64 id);
};
