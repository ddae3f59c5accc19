// The Redis half of the Servers page: the server's version and uptime (or why it cannot be
// reached), the headline figures (operations per second, keyspace hits, misses and hit ratio,
// memory, evicted and expired keys, clients), four live charts and the slow log. It only shows what
// it is given. GUI thread only.
#pragma once

#include "monitor/serversnapshot.h"

#include <QGroupBox>

#include <vector>

class QLabel;
class QTableView;
class RedisSlowLogModel;
class ServerChart;

class RedisServerPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit RedisServerPanel(QWidget *parent = nullptr);

    void show(const inv::RedisServerStats &stats, const std::vector<inv::ServerHistoryPoint> &history);

    RedisSlowLogModel *slowLogModel() const { return m_model; }
    QLabel *statusLabel() const { return m_status; }
    QString figure(const QString &name) const;
    const std::vector<ServerChart *> &charts() const { return m_charts; }

private:
    void setFigure(int row, const QString &text, const QString &tip = {});

    QLabel *m_status;
    QLabel *m_note;
    std::vector<QLabel *> m_names;
    std::vector<QLabel *> m_figures;
    std::vector<ServerChart *> m_charts;
    QLabel *m_slowLogTitle;
    RedisSlowLogModel *m_model;
    QTableView *m_table;
};
