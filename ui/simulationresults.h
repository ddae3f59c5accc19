// The results table of the Simulation page: one column per run (per strategy in compare mode),
// one row per SLO and key measurement, with failures in red and their counts. GUI thread only.
#pragma once

#include "sim/simulationreport.h"

#include <QTableWidget>

#include <memory>
#include <vector>

class SimulationResults : public QTableWidget
{
    Q_OBJECT

public:
    explicit SimulationResults(QWidget *parent = nullptr);

    void clearRuns();
    void addRun(std::shared_ptr<const inv::SimulationReport> report);
    const std::vector<std::shared_ptr<const inv::SimulationReport>> &reports() const { return m_reports; }
    bool allPassed() const;

    // A report rebuilt from its JSON (a run reopened from the history).
    static std::shared_ptr<inv::SimulationReport> fromJson(const QByteArray &json);

private:
    void rebuild();
    std::vector<std::shared_ptr<const inv::SimulationReport>> m_reports;
};
