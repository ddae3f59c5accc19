// What the Simulation page exports: the reports as JSON (one object, or an array in compare mode),
// the timelines as CSV, and default file names that carry the scenario and the time. Plain
// functions of the reports; any thread.
#pragma once

#include "sim/simulationreport.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <memory>
#include <vector>

class SimulationExport
{
public:
    using Reports = std::vector<std::shared_ptr<const inv::SimulationReport>>;

    static QByteArray json(const Reports &reports);
    static QByteArray timelineCsv(const Reports &reports);
    // "flash-sale-20250101-120000.png": the scenario and when, so that exports do not overwrite.
    static QString defaultFileName(const QString &scenario, const QString &extension,
                                   const QDateTime &when = QDateTime::currentDateTime());
};
