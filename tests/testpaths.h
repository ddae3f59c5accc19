// Where a test finds the command line and the sources. CMake gives both relative to the test's own
// executable, not as absolute paths, so that a compiled test does not depend on where the clone and
// its build live: the sanitizer builds' compile cache (scripts/sanitize.sh) then serves every
// clone of the same sources. Any thread.
#pragma once

#include <QDir>
#include <QFileInfo>
#include <QString>

namespace testpaths {

// The directory of the running test executable (Linux: /proc/self/exe; no QCoreApplication needed).
inline QDir executableDir()
{
    return QFileInfo(QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath()).absoluteDir();
}

// The inventory-console binary of the same build.
inline QString cli()
{
    return QDir::cleanPath(executableDir().absoluteFilePath(QStringLiteral(INVENTORY_CLI_RELATIVE)));
}

// A file or folder of the source tree, given relative to its root ("scripts/pgbouncer.sh").
inline QString source(const QString &relative)
{
    return QDir::cleanPath(executableDir().absoluteFilePath(QStringLiteral(INVENTORY_SOURCE_RELATIVE)) +
                           QLatin1Char('/') + relative);
}

} // namespace testpaths
