// The Redis slow log of the Servers page (SLOWLOG GET 10): when, how long, the command and the
// client. A new entry resets the model, since Redis returns the newest first. GUI thread only.
#pragma once

#include "monitor/redisserverstats.h"

#include <QAbstractTableModel>

#include <vector>

class RedisSlowLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Id,
        Time,
        Duration,
        Command,
        Client,
        ColumnCount
    };

    explicit RedisSlowLogModel(QObject *parent = nullptr);

    void setEntries(std::vector<inv::RedisSlowLogEntry> entries);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<inv::RedisSlowLogEntry> m_entries;
};
