// Runs the real inventory-console binary for the CLI tests, with the services of ./test.sh in its
// environment. Test threads only.
#pragma once

#include "testpaths.h"
#include <QProcess>
#include <QStringList>
#include <QTest>

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs a program to completion; a run that outlasts the timeout is killed and reported as such.
inline CliRun runProgram(const QString &program, const QStringList &arguments, int timeoutMs = 60000,
                         const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    CliRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

inline CliRun runCli(const QStringList &arguments, int timeoutMs = 60000)
{
    return runProgram(testpaths::cli(), arguments, timeoutMs);
}
