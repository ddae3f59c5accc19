// The PostgreSQL half of the Servers page: who the monitor is connected as (or why it cannot
// connect), a note when its role may not see every session, the headline figures (connections by
// state, transactions per second, lock waits with the relation and SKU of the longest, buffer cache
// hit ratio, longest transaction, deadlocks), four live charts and the sessions table. It only
// shows what it is given. GUI thread only.
#pragma once

#include "monitor/serversnapshot.h"

#include "serverpanel.h"

#include <vector>

class PgSessionsModel;
class QLabel;
class QTableView;
class ServerChart;

class PgServerPanel : public ServerPanel
{
    Q_OBJECT

public:
    explicit PgServerPanel(QWidget *parent = nullptr);

    void show(const inv::PgServerStats &stats, const std::vector<inv::ServerHistoryPoint> &history);

    PgSessionsModel *sessionsModel() const { return m_model; }

private:
    PgSessionsModel *m_model;
    QTableView *m_table;
};
