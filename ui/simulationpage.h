// The Simulation page: it wires its parts together and owns the runner thread. The form says what
// to run, the charts and the statistics table show the run live from the engine's snapshots
// (polled four times a second), the results table holds each SLO per strategy, and the history
// lists stored runs; the Load sweep tab next to the charts sweeps a rate range (SimulationSweepPanel,
// with its own thread). The runs happen in a SimulationRunner thread, or over the load agents through
// the Agents tab (AgentsPanel, which draws their merged total the same way); this page only polls,
// routes and exports. GUI thread only.
#pragma once

#include "sim/simulationconfig.h"

#include <QElapsedTimer>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include <vector>

class AgentsPanel;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class SimulationCharts;
class SimulationForm;
class SimulationHistory;
class SimulationResults;
class SimulationRunner;
class SimulationStatsTable;
class SimulationSweepPanel;
struct ReportHandle;
struct HistoryEntry;

class SimulationPage : public QWidget
{
    Q_OBJECT

public:
    explicit SimulationPage(QWidget *parent = nullptr);
    ~SimulationPage() override;

    void setConnection(const QString &pg, const QString &redis);
    // Starts `scenario` for each strategy in turn (one strategy: a single run).
    void start(const QString &scenario, const QStringList &strategies);
    // The classic demo: naive and unsafe against locked and versioned, flash sale with a race delay.
    void startRaceDemo();
    // Shows the Load sweep tab and sweeps `range` ("rate=1000..40000") for each strategy.
    bool startSweep(const QString &range, const QStringList &strategies, double stepSeconds);
    void stop();
    // Starts `fault` at once in the run going on, and says in the Faults box what became of it.
    void fireFault(const inv::FaultSpec &fault);
    bool isRunning() const;
    // Sets a form field by its command-line name (race-delay-ms, buyers, stock, rate, duration,
    // servers, connections, products, readers); false if the name is unknown.
    bool setParameter(const QString &name, double value);
    // Selects a scenario preset, resetting its fields to the preset's defaults.
    void selectScenario(const QString &scenario);

    SimulationForm *form() const { return m_form; }
    SimulationCharts *charts() const { return m_charts; }
    SimulationStatsTable *statistics() const { return m_stats; }
    SimulationResults *results() const { return m_results; }
    SimulationHistory *history() const { return m_history; }
    SimulationSweepPanel *sweep() const { return m_sweep; }
    AgentsPanel *agents() const { return m_agents; }
    // Event-loop lateness over the last run, in ms.
    double uiLagP99() const;

    // How often the page samples the running simulation: the monitor's window.
    static constexpr int kPollMs = 250;

signals:
    // Every queued run has ended; passed is true if every SLO of every run passed.
    void finished(bool passed, bool stopped);
    // Every strategy's load sweep has ended.
    void sweepFinished(bool stopped);

private:
    void poll();
    void onRunStarted(int index, const QString &strategy);
    void onRunFinished(int index, const ReportHandle &report);
    void onAllFinished(bool stopped);
    // Starts a run's lines on the charts and its rows in the statistics table.
    void beginRun(const QString &name, const QString &strategy);
    void log(const QString &text);
    void exportJson();
    void exportCsv();
    void exportPng();
    void refreshHistory();
    void reopen(qint64 id, const QString &json);

    QThread m_thread;
    SimulationRunner *m_runner;
    QString m_pg;
    QString m_redis;
    QString m_scenario;
    QStringList m_queue;
    int m_currentRun = -1;
    std::vector<int> m_chartRuns;
    std::vector<int> m_statsRuns;
    std::size_t m_polledPoints = 0;
    QTimer m_poll;
    QTimer m_lagTimer;
    QElapsedTimer m_lagClock;
    qint64 m_lagExpected = 0;
    std::vector<qint64> m_lags;

    SimulationForm *m_form;
    QProgressBar *m_progress;
    QLabel *m_status;
    SimulationCharts *m_charts;
    SimulationStatsTable *m_stats;
    SimulationResults *m_results;
    QPlainTextEdit *m_log;
    SimulationHistory *m_history;
    QTabWidget *m_tabs;
    SimulationSweepPanel *m_sweep;
    QTabWidget *m_chartTabs;
    AgentsPanel *m_agents;
    // The runs queued go to the load agents rather than to the runner.
    bool m_onAgents = false;
};
