// Real load-agent processes for the tests (`inventory-console agent --name NAME`), their output
// forwarded to the test's, and their end: SIGTERM, then SIGKILL for one that does not stop within
// 10 s. Test threads only.
#pragma once

#include "testpaths.h"
#include <QProcess>
#include <QStringList>

#include <memory>
#include <vector>

inline std::unique_ptr<QProcess> startAgentProcess(const QString &name, const QStringList &options = {})
{
    auto process = std::make_unique<QProcess>();
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start(testpaths::cli(),
                   QStringList{QStringLiteral("agent"), QStringLiteral("--name"), name} + options);
    return process;
}

inline void stopAgentProcesses(std::vector<std::unique_ptr<QProcess>> &agents)
{
    for (auto &agent : agents) {
        if (agent->state() == QProcess::NotRunning)
            continue;
        agent->terminate();
        if (!agent->waitForFinished(10000))
            agent->kill();
    }
    agents.clear();
}
