// Starts the local sandbox for the console: off the GUI thread, with each step shown in a progress
// dialog as it happens, and a message that says what to do if it fails. GUI thread only.
#pragma once

#include <QObject>

class QWidget;

class SandboxStarter : public QObject
{
    Q_OBJECT

public:
    explicit SandboxStarter(QWidget *parent);

    // True if a sandbox started from the command line runs in the default directory: it is used
    // without asking. Local checks only (pid files and a loopback port).
    static bool running();
    // A Redis URL saved without its password, if it names the default sandbox's Redis, with the
    // sandbox's password; any other URL unchanged. Reads the sandbox's state file only.
    static QString withRedisPassword(const QString &redisUrl);
    void start();

signals:
    void started(const QString &pgUrl, const QString &redisUrl);

private:
    QWidget *m_parent;
};
