// The PostgreSQL sessions of the Servers page, one row per client backend as pg_stat_activity
// shows it to the monitor's role: pid, user, application, state, wait event, the age of its open
// transaction and its query. A session the role may not inspect reads "hidden"; one waiting on a
// lock is drawn in the warning colour. When the same sessions come back, only the cells that
// changed are reported (dataChanged); a new or gone session resets the model. GUI thread only.
#pragma once

#include "monitor/pgserverstats.h"

#include <QAbstractTableModel>

#include <vector>

class PgSessionsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Pid,
        User,
        Application,
        State,
        WaitEvent,
        TransactionAge,
        Query,
        ColumnCount
    };

    explicit PgSessionsModel(QObject *parent = nullptr);

    void setSessions(std::vector<inv::PgSession> sessions);
    const inv::PgSession &session(int row) const { return m_sessions.at(static_cast<std::size_t>(row)); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString age(double seconds);

private:
    QVariant display(const inv::PgSession &s, int column) const;

    std::vector<inv::PgSession> m_sessions;
};
