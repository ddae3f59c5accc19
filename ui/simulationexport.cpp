#include "simulationexport.h"

#include "inventory/csvcell.h"

QByteArray SimulationExport::json(const Reports &reports)
{
    if (reports.size() == 1)
        return QByteArray::fromStdString(reports.front()->toJson());
    QByteArray out = "[\n";
    for (std::size_t i = 0; i < reports.size(); ++i)
        out += QByteArray::fromStdString(reports[i]->toJson()) + (i + 1 < reports.size() ? ",\n" : "\n");
    out += "]\n";
    return out;
}

QByteArray SimulationExport::timelineCsv(const Reports &reports)
{
    QByteArray out =
        "strategy,t,rps,ok_rps,rejected_rps,read_p50_ms,read_p99_ms,write_p50_ms,write_p99_ms,hit_rate,"
        "lock_busy,lock_wait_p99_ms,pg_lock_waits,stale_reads,divergent_keys,oversold,hot_db_stock,"
        "hot_cache_stock\n";
    for (const auto &r : reports)
        for (const auto &p : r->timeline)
            out += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18\n")
                       .arg(QString::fromStdString(
                           inv::CsvCell::text(inv::Strategy::kindName(r->config.strategy))))
                       .arg(p.t)
                       .arg(p.rps)
                       .arg(p.okPerSecond)
                       .arg(p.rejectedPerSecond)
                       .arg(p.readP50Ms)
                       .arg(p.readP99Ms)
                       .arg(p.writeP50Ms)
                       .arg(p.writeP99Ms)
                       .arg(p.hitRate)
                       .arg(p.lockBusyPerSecond)
                       .arg(p.lockWaitP99Ms)
                       // Empty when unknown, as a spreadsheet expects.
                       .arg(p.pgLockWaits >= 0 ? QString::number(p.pgLockWaits) : QString())
                       .arg(p.staleReads)
                       .arg(p.divergentKeys)
                       .arg(p.oversold)
                       .arg(p.hotDbStock)
                       .arg(p.hotCacheStock)
                       .toUtf8();
    return out;
}

QString SimulationExport::defaultFileName(const QString &scenario, const QString &extension,
                                          const QDateTime &when)
{
    return (scenario.isEmpty() ? QStringLiteral("simulation") : scenario) + QLatin1Char('-') +
           when.toString(QStringLiteral("yyyyMMdd-HHmmss")) + QLatin1Char('.') + extension;
}
