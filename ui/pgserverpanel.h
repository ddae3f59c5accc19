// The PostgreSQL half of the Servers page: who the monitor is connected as (or why it cannot
// connect), a note when its role may not see every session, the headline figures (connections by
// state, transactions per second, lock waits with the relation and SKU of the longest, buffer cache
// hit ratio, longest transaction, deadlocks), four live charts and the sessions table. It only
// shows what it is given. GUI thread only.
#pragma once

#include "monitor/serversnapshot.h"

#include <QGroupBox>

#include <vector>

class PgSessionsModel;
class QLabel;
class QTableView;
class ServerChart;

class PgServerPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit PgServerPanel(QWidget *parent = nullptr);

    void show(const inv::PgServerStats &stats, const std::vector<inv::ServerHistoryPoint> &history);

    PgSessionsModel *sessionsModel() const { return m_model; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *noteLabel() const { return m_note; }
    QString figure(const QString &name) const;
    const std::vector<ServerChart *> &charts() const { return m_charts; }

private:
    void setFigure(int row, const QString &text, const QString &tip = {});

    QLabel *m_status;
    QLabel *m_note;
    std::vector<QLabel *> m_names;
    std::vector<QLabel *> m_figures;
    std::vector<ServerChart *> m_charts;
    PgSessionsModel *m_model;
    QTableView *m_table;
};
