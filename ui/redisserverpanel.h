// The Redis half of the Servers page: the server's version and uptime (or why it cannot be
// reached), the headline figures (operations per second, keyspace hits, misses and hit ratio,
// memory, evicted and expired keys, clients), four live charts and the slow log. It only shows what
// it is given. GUI thread only.
#pragma once

#include "monitor/serversnapshot.h"

#include "serverpanel.h"

#include <vector>

class QLabel;
class QTableView;
class RedisSlowLogModel;
class ServerChart;

class RedisServerPanel : public ServerPanel
{
    Q_OBJECT

public:
    explicit RedisServerPanel(QWidget *parent = nullptr);

    void show(const inv::RedisServerStats &stats, const std::vector<inv::ServerHistoryPoint> &history);

    RedisSlowLogModel *slowLogModel() const { return m_model; }

private:
    QLabel *m_slowLogTitle;
    RedisSlowLogModel *m_model;
    QTableView *m_table;
};
