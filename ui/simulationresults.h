// The results table of the Simulation page: one column per run (per strategy in compare mode),
// the two verdicts (correct, performant) on top, then one row per SLO and key measurement, with
// failures in red and their counts; a run that could not start gets a column with its cause. GUI
// thread only.
#pragma once

#include "sim/simulationreport.h"
#include "simulationverdict.h"

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
    // A run that ended in an error before it had a report (PostgreSQL unreachable, say).
    void addFailure(const QString &strategy, const QString &message);
    const std::vector<RunFailure> &failures() const { return m_failures; }
    const std::vector<std::shared_ptr<const inv::SimulationReport>> &reports() const { return m_reports; }
    bool allPassed() const;

    // A report rebuilt from its JSON (a run reopened from the history).
    static std::shared_ptr<inv::SimulationReport> fromJson(const QByteArray &json);

private:
    void rebuild();
    std::vector<std::shared_ptr<const inv::SimulationReport>> m_reports;
    std::vector<RunFailure> m_failures;
};
