// Small helpers of the CLI tests that read --json output: an argument list from words, and the
// object a command printed. Test threads only.
#pragma once

#include "clirunner.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <initializer_list>

inline QStringList args(std::initializer_list<const char *> words)
{
    QStringList out;
    for (const char *word : words)
        out << QString::fromUtf8(word);
    return out;
}

inline QJsonObject json(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

inline QJsonObject json(const CliRun &run)
{
    return json(run.out);
}
