#include "agentregistryreader.h"

#include "agents/loadagent.h"

AgentRegistryReader::AgentRegistryReader(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<AgentRegistry>();
}

void AgentRegistryReader::read(const QString &redisUrl)
{
    try {
        emit registryRead(AgentRegistry{inv::LoadAgent::list(redisUrl.toStdString())});
    } catch (const std::exception &e) {
        emit readFailed(QString::fromUtf8(e.what()));
    }
}
