// The Agents panel of the Simulation page: the load agents registered in Redis, read once a second
// on a worker thread (AgentRegistryReader), and the runs the page sends over them (AgentRunner,
// in a thread of its own). While a run goes on, poll() gives the page the merged total to draw
// as it draws a local run, updates each agent's share, requests and throughput in the table, and
// draws one line per agent next to the total; the "one line per agent" box shows either the total
// or the agents' lines. GUI thread only.
#pragma once

#include "sim/simulationconfig.h"
#include "sim/simulationmonitor.h"

#include <QColor>
#include <QList>
#include <QString>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include <map>
#include <string>
#include <vector>

class AgentRegistryReader;
class AgentRunner;
class AgentStatusModel;
class QCheckBox;
class QLabel;
class QTableView;
class SimulationCharts;
struct AgentRegistry;

class AgentsPanel : public QWidget
{
    Q_OBJECT

public:
    AgentsPanel(SimulationCharts *charts, QWidget *parent = nullptr);
    ~AgentsPanel() override;

    // Reads the registry of this Redis once a second; an empty URL stops.
    void setConnection(const QString &pg, const QString &redis);
    AgentRunner *runner() const { return m_runner; }
    AgentStatusModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    bool isRunning() const;

    // Runs `configs` in turn on the agents `selection` names; the runner's signals say how it went.
    void start(const QList<inv::SimulationConfig> &configs, const QString &selection);
    void stop();
    // The page began a run's total line on the charts: the agents' lines of this run go next to it,
    // named after the agent (with `prefix` in front, in compare mode).
    void beginRun(int totalLine, const QString &prefix);
    // Samples the run: the table and the agents' lines; the total, as the page draws a local run.
    inv::SimulationSnapshot poll();
    // How many seconds of the run the last poll() drew.
    double drawnSeconds() const { return m_drawnSeconds; }
    void setPerAgentLines(bool perAgent);
    bool perAgentLines() const;

    static QColor colorFor(int agent);
    static constexpr int kRefreshMs = 1000;
    static constexpr int kRowsShown = 4;

private:
    void refresh();
    void fitRows();
    void onRegistryRead(const AgentRegistry &registry);

    SimulationCharts *m_charts;
    AgentStatusModel *m_model;
    QTableView *m_table;
    QLabel *m_status;
    QCheckBox *m_perAgent;
    QThread m_readerThread;
    AgentRegistryReader *m_reader;
    QThread m_runThread;
    AgentRunner *m_runner;
    QTimer m_refresh;
    QString m_redis;
    bool m_reading = false;
    QString m_readError;

    // The charts' lines: every run's total, and every agent's of every run.
    std::vector<int> m_totalLines;
    std::vector<int> m_agentLines;
    // The current run's lines by agent, with the points each holds.
    std::map<std::string, std::pair<int, std::size_t>> m_lines;
    QString m_prefix;
    double m_drawnSeconds = 0;
};
