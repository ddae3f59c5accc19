// Reads the load agents registered in Redis (LoadAgent::list) for the Agents panel. It lives in a
// worker thread owned by the panel: call read() through a queued connection only; the answer comes
// back as a queued signal, and errors are signals too, never exceptions.
#pragma once

#include "agents/agentprotocol.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <vector>

struct AgentRegistry
{
    std::vector<inv::AgentInfo> agents;
};
Q_DECLARE_METATYPE(AgentRegistry)

class AgentRegistryReader : public QObject
{
    Q_OBJECT

public:
    explicit AgentRegistryReader(QObject *parent = nullptr);

public slots:
    void read(const QString &redisUrl);

signals:
    void registryRead(const AgentRegistry &registry);
    void readFailed(const QString &message);
};
