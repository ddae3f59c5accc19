// Shared by the Simulation page's GUI tests: the console's main window on the Simulation page,
// connected to the services of ./test.sh, with settings kept apart from a real user's. GUI thread.
#pragma once

#include "mainwindow.h"
#include "testservices.h"

#include <QCoreApplication>
#include <QStandardPaths>
#include <QTest>

#include <memory>

namespace testservices {

// Call from initTestCase(); QVERIFY-style callers check that PostgreSQL answered.
inline std::unique_ptr<MainWindow> openSimulationWindow()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    StartOptions options;
    options.pg = QString::fromStdString(pgUrl());
    options.redis = QString::fromStdString(redisUrl());
    options.page = QStringLiteral("simulation");
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    return window;
}

} // namespace testservices
