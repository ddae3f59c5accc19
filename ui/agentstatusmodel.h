// The Agents panel's table: one row per load agent registered in Redis (but those that stopped
// cleanly, unless they took part in the run shown), with its host, state
// (idle, running, stopping, stopped, or lost when its heartbeat expired), heartbeat age, version and
// cores, and during and after a run over agents its share of servers, its requests, its throughput
// in the latest merged window and its outcome. The registry and the run are merged by agent name;
// the rows list the agents alive first, then the lost, then the stopped, each by name. A refresh
// that changes neither the set nor the order reports each changed cell alone. GUI thread only.
#pragma once

#include "agents/agentmerge.h"

#include <QAbstractTableModel>
#include <QString>

#include <map>
#include <string>
#include <vector>

class AgentStatusModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Name,
        Host,
        State,
        Heartbeat,
        Version,
        Cores,
        Servers,
        Requests,
        Throughput,
        Outcome,
        ColumnCount
    };

    explicit AgentStatusModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The agents as LoadAgent::list read them.
    void setRegistry(const std::vector<inv::AgentInfo> &agents);
    // The run over agents as merged so far.
    void setRun(const inv::AgentsSnapshot &snapshot);
    // A new run begins: forget the last one's figures.
    void clearRun();

    // The row of the agent, or -1.
    int rowOf(const QString &name) const;
    // "idle", "running", "stopping", "stopped", "lost", or the run's word for an agent it alone knows.
    QString state(int row) const;
    int aliveCount() const;

private:
    struct Row
    {
        QString name;
        bool registered = false;
        inv::AgentInfo info;
        bool inRun = false;
        int servers = 0;
        long long requests = 0;
        double rps = -1;
        QString outcome;
        QString message;
    };
    static QString stateOf(const Row &row);
    static QVariant display(const Row &row, int column);
    // Replaces the rows: a reset if the set of names changed, else a dataChanged per changed cell.
    void apply(std::vector<Row> next);

    std::vector<Row> m_rows;
};
