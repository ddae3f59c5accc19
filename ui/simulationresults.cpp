#include "simulationresults.h"

#include <QBrush>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <functional>

namespace {
struct Measure
{
    const char *label;
    std::function<QString(const inv::SimulationReport &)> text;
    // Empty when the row is informational; else whether this run is bad on it.
    std::function<bool(const inv::SimulationReport &)> bad;
};

QString number(double v, int decimals = 0)
{
    return QString::number(v, 'f', decimals);
}

const std::vector<Measure> &measures()
{
    static const std::vector<Measure> list{
        {"requests", [](const auto &r) -> QString { return number(double(r.requests)); }, {}},
        {"throughput (req/s)", [](const auto &r) -> QString { return number(r.throughputRps); }, {}},
        {"ok / refused / errors",
         [](const auto &r) -> QString {
             return QStringLiteral("%1 / %2 / %3").arg(r.successes).arg(r.rejections).arg(r.errors);
         },
         [](const auto &r) { return r.errors > 0; }},
        {"oversold units", [](const auto &r) -> QString { return number(double(r.oversold)); },
         [](const auto &r) { return r.oversold > 0; }},
        {"ledger",
         [](const auto &r) -> QString {
             return r.ledgerOk ? QStringLiteral("reconciles") : QStringLiteral("BROKEN");
         },
         [](const auto &r) { return !r.ledgerOk; }},
        {"stale reads", [](const auto &r) -> QString { return number(double(r.staleReads)); },
         [](const auto &r) { return r.staleReads > 0; }},
        {"divergent keys at end",
         [](const auto &r) -> QString {
             return r.divergentKeysAtEnd ? number(double(*r.divergentKeysAtEnd)) : QStringLiteral("unknown");
         },
         [](const auto &r) { return !r.divergentKeysAtEnd || *r.divergentKeysAtEnd > 0; }},
        {"DB fills", [](const auto &r) -> QString { return number(double(r.dbFills)); }, {}},
        {"read p50 / p99 (ms)",
         [](const auto &r) -> QString {
             return number(r.read.p50, 2) + QStringLiteral(" / ") + number(r.read.p99, 2);
         },
         {}},
        {"write p50 / p99 (ms)",
         [](const auto &r) -> QString {
             return number(r.write.p50, 2) + QStringLiteral(" / ") + number(r.write.p99, 2);
         },
         {}},
        {"cache hit rate",
         [](const auto &r) -> QString { return number(r.cacheHitRate * 100, 1) + QStringLiteral(" %"); },
         {}},
        {"lock acquired / busy",
         [](const auto &r) -> QString {
             return QStringLiteral("%1 / %2").arg(r.lockAcquired).arg(r.lockBusy);
         },
         {}},
    };
    return list;
}
} // namespace

SimulationResults::SimulationResults(QWidget *parent) : QTableWidget(parent)
{
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::NoSelection);
    verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    setAlternatingRowColors(true);
}

void SimulationResults::clearRuns()
{
    m_reports.clear();
    m_failures.clear();
    rebuild();
}

void SimulationResults::addFailure(const QString &strategy, const QString &message)
{
    m_failures.push_back({strategy, message});
    rebuild();
}

void SimulationResults::addRun(std::shared_ptr<const inv::SimulationReport> report)
{
    m_reports.push_back(std::move(report));
    rebuild();
}

bool SimulationResults::allPassed() const
{
    for (const auto &r : m_reports)
        if (!r->allSlosPass())
            return false;
    return !m_reports.empty() && m_failures.empty();
}

void SimulationResults::rebuild()
{
    clear();
    // Rows: the two verdicts, every SLO any run has, then the measurements.
    QStringList sloNames;
    for (const auto &r : m_reports)
        for (const auto &s : r->slos)
            if (!sloNames.contains(QString::fromStdString(s.name)))
                sloNames << QString::fromStdString(s.name);
    const int verdictRows = 2;
    const int sloRow = verdictRows;
    const int measureRow = sloRow + static_cast<int>(sloNames.size());
    setRowCount(measureRow + static_cast<int>(measures().size()));
    setColumnCount(static_cast<int>(m_reports.size() + m_failures.size()));
    QStringList rowLabels{tr("correct"), tr("performant")};
    for (const auto &n : sloNames)
        rowLabels << tr("SLO %1").arg(n);
    for (const auto &m : measures())
        rowLabels << tr(m.label);
    setVerticalHeaderLabels(rowLabels);
    QStringList columns;
    const QBrush red(QColor(220, 50, 47)), green(QColor(38, 139, 70)), amber(QColor(181, 137, 0));
    auto emphasise = [](QTableWidgetItem *item) {
        QFont bold = item->font();
        bold.setBold(true);
        item->setFont(bold);
    };
    for (std::size_t c = 0; c < m_reports.size(); ++c) {
        const auto &report = *m_reports[c];
        const int column = static_cast<int>(c);
        const auto correct = report.correct();
        const auto performant = report.performant();
        QString mark = QStringLiteral("  ?");
        if (correct)
            mark = (*correct ? QStringLiteral("  ✓ correct") : QStringLiteral("  ✗ wrong")) +
                   (*performant ? QStringLiteral(" · fast") : QStringLiteral(" · slow"));
        columns << QString::fromLatin1(inv::Strategy::kindName(report.config.strategy)) + mark;
        const std::pair<std::optional<bool>, inv::SloCategory> verdicts[] = {
            {correct, inv::SloCategory::Correctness}, {performant, inv::SloCategory::Performance}};
        for (int v = 0; v < verdictRows; ++v) {
            const auto &[value, category] = verdicts[v];
            auto *item = new QTableWidgetItem;
            if (!value) {
                item->setText(tr("no verdict (stopped)"));
                item->setForeground(amber);
            } else {
                QStringList failed;
                for (const auto &f : report.failures(category))
                    failed << QString::fromStdString(f);
                if (category == inv::SloCategory::Performance && !failed.isEmpty() &&
                    !report.verdictNote.empty())
                    failed << QString::fromStdString(report.verdictNote);
                item->setText(*value ? tr("✓ yes") : tr("✗ no: %1").arg(failed.join(QStringLiteral(", "))));
                item->setToolTip(item->text());
                item->setForeground(*value ? green : red);
            }
            emphasise(item);
            setItem(v, column, item);
        }
        for (qsizetype row = 0; row < sloNames.size(); ++row) {
            auto *item = new QTableWidgetItem(QStringLiteral("–"));
            for (const auto &s : report.slos) {
                if (QString::fromStdString(s.name) != sloNames.at(row))
                    continue;
                const QString passMark = report.stoppedEarly ? QStringLiteral("?")
                                         : s.pass            ? QStringLiteral("✓")
                                                             : QStringLiteral("✗");
                item->setText(QStringLiteral("%1 %2  (%3 %4)")
                                  .arg(passMark)
                                  .arg(s.known ? QString::number(s.value, 'g', 4) : QStringLiteral("unknown"))
                                  .arg(s.upperBound ? QStringLiteral("≤") : QStringLiteral("≥"))
                                  .arg(s.threshold, 0, 'g', 4));
                item->setForeground(report.stoppedEarly ? amber : s.pass ? green : red);
                if (!s.pass && !report.stoppedEarly)
                    emphasise(item);
            }
            setItem(sloRow + static_cast<int>(row), column, item);
        }
        for (std::size_t m = 0; m < measures().size(); ++m) {
            auto *item = new QTableWidgetItem(measures()[m].text(report));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (measures()[m].bad && measures()[m].bad(report)) {
                item->setForeground(red);
                emphasise(item);
            }
            setItem(measureRow + static_cast<int>(m), column, item);
        }
    }
    // A run that could not start has no measurements: its column says why, in the verdict row.
    for (std::size_t f = 0; f < m_failures.size(); ++f) {
        const int column = static_cast<int>(m_reports.size() + f);
        columns << m_failures[f].strategy + tr("  ✗ could not run");
        auto *item = new QTableWidgetItem(m_failures[f].message);
        item->setToolTip(m_failures[f].message);
        item->setForeground(red);
        emphasise(item);
        setItem(0, column, item);
    }
    setHorizontalHeaderLabels(columns);
}

std::shared_ptr<inv::SimulationReport> SimulationResults::fromJson(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    auto r = std::make_shared<inv::SimulationReport>();
    r->config.scenario =
        inv::SimulationConfig::parseScenario(o.value(QLatin1String("scenario")).toString().toStdString());
    r->config.strategy =
        inv::Strategy::parseKind(o.value(QLatin1String("strategy")).toString().toStdString());
    r->config.servers = o.value(QLatin1String("servers")).toInt();
    r->durationSeconds = o.value(QLatin1String("duration_s")).toDouble();
    r->requests = o.value(QLatin1String("requests")).toInteger();
    r->successes = o.value(QLatin1String("successes")).toInteger();
    r->rejections = o.value(QLatin1String("rejections")).toInteger();
    r->errors = o.value(QLatin1String("errors")).toInteger();
    r->oversold = o.value(QLatin1String("oversold")).toInteger();
    r->ledgerOk = o.value(QLatin1String("ledger_ok")).toBool();
    r->staleReads = o.value(QLatin1String("stale_reads")).toInteger();
    if (const QJsonValue divergent = o.value(QLatin1String("divergent_keys_at_end")); !divergent.isNull())
        r->divergentKeysAtEnd = divergent.toInteger();
    r->stoppedEarly =
        o.value(QLatin1String("stopped")).toBool() || o.value(QLatin1String("stopped_early")).toBool();
    r->verdictNote = o.value(QLatin1String("verdict_note")).toString().toStdString();
    const QJsonObject host = o.value(QLatin1String("host")).toObject();
    r->hostLoad.cores = host.value(QLatin1String("cores")).toInt();
    r->hostLoad.loadMax = host.value(QLatin1String("load_avg_max")).toDouble(-1);
    r->dbFills = o.value(QLatin1String("db_fills")).toInteger();
    r->throughputRps = o.value(QLatin1String("throughput_rps")).toDouble();
    r->cacheHitRate = o.value(QLatin1String("cache_hit_rate")).toDouble();
    const QJsonObject latency = o.value(QLatin1String("latency_ms")).toObject();
    for (auto [key, target] : {std::pair{"read", &r->read}, std::pair{"write", &r->write}}) {
        const QJsonObject l = latency.value(QLatin1String(key)).toObject();
        target->p50 = l.value(QLatin1String("p50")).toDouble();
        target->p95 = l.value(QLatin1String("p95")).toDouble();
        target->p99 = l.value(QLatin1String("p99")).toDouble();
        target->max = l.value(QLatin1String("max")).toDouble();
        target->count = l.value(QLatin1String("count")).toInteger();
    }
    const QJsonObject lock = o.value(QLatin1String("lock")).toObject();
    r->lockAcquired = lock.value(QLatin1String("acquired")).toInteger();
    r->lockBusy = lock.value(QLatin1String("busy")).toInteger();
    const QJsonObject pgLockWaits = o.value(QLatin1String("pg_lock_waits")).toObject();
    if (const QJsonValue max = pgLockWaits.value(QLatin1String("max")); max.isDouble())
        r->pgLockWaitsMax = max.toInteger();
    if (const QJsonValue p99 = pgLockWaits.value(QLatin1String("p99")); p99.isDouble())
        r->pgLockWaitsP99 = p99.toInteger();
    for (const auto &v : o.value(QLatin1String("slo")).toArray()) {
        const QJsonObject s = v.toObject();
        inv::Slo slo;
        slo.name = s.value(QLatin1String("name")).toString().toStdString();
        slo.threshold = s.value(QLatin1String("threshold")).toDouble();
        slo.known = !s.value(QLatin1String("value")).isNull();
        slo.value = s.value(QLatin1String("value")).toDouble();
        slo.pass = s.value(QLatin1String("pass")).toBool();
        slo.upperBound = inv::Slo::upperBoundOf(slo.name);
        slo.category = inv::Slo::categoryOf(slo.name);
        r->slos.push_back(slo);
    }
    for (const auto &v : o.value(QLatin1String("timeline")).toArray()) {
        const QJsonObject p = v.toObject();
        inv::TimelinePoint t;
        auto d = [&](const char *key) { return p.value(QLatin1String(key)).toDouble(); };
        t.t = d("t");
        t.rps = d("rps");
        t.okPerSecond = d("ok_rps");
        t.rejectedPerSecond = d("rejected_rps");
        t.errorsPerSecond = d("errors_rps");
        t.readP50Ms = d("read_p50_ms");
        t.readP95Ms = d("read_p95_ms");
        t.readP99Ms = d("read_p99_ms");
        t.writeP50Ms = d("write_p50_ms");
        t.writeP95Ms = d("write_p95_ms");
        t.writeP99Ms = d("write_p99_ms");
        t.hitRate = d("hit_rate");
        t.lockBusyPerSecond = d("lock_busy");
        t.lockWaitP99Ms = d("lock_wait_p99_ms");
        t.pgLockWaits = p.value(QLatin1String("pg_lock_waits")).toInteger(-1);
        t.staleReads = static_cast<long long>(d("stale_reads"));
        t.divergentKeys = static_cast<long long>(d("divergent_keys"));
        t.oversold = static_cast<long long>(d("oversold"));
        t.hotDbStock = static_cast<long long>(d("hot_db_stock"));
        t.hotCacheStock = static_cast<long long>(d("hot_cache_stock"));
        r->timeline.push_back(t);
    }
    for (const auto &v : o.value(QLatin1String("faults")).toArray()) {
        const QJsonObject f = v.toObject();
        inv::FaultOutcome fault;
        fault.kind = f.value(QLatin1String("kind")).toString().toStdString();
        fault.spec = f.value(QLatin1String("spec")).toString().toStdString();
        fault.startS = f.value(QLatin1String("start_s")).toDouble(-1);
        fault.endS = f.value(QLatin1String("end_s")).toDouble(-1);
        fault.errors = f.value(QLatin1String("errors")).toInteger();
        fault.failOpenReads = f.value(QLatin1String("fail_open_reads")).toInteger();
        fault.reads = f.value(QLatin1String("reads")).toInteger();
        fault.readP99Ms = f.value(QLatin1String("read_p99_ms")).toDouble();
        fault.note = f.value(QLatin1String("note")).toString().toStdString();
        r->faults.push_back(fault);
    }
    r->inDoubt = o.value(QLatin1String("in_doubt")).toInteger();
    r->inDoubtResolved = o.value(QLatin1String("in_doubt_resolved")).toInteger();
    r->inDoubtCommitted = o.value(QLatin1String("in_doubt_committed")).toInteger();
    for (const auto &v : o.value(QLatin1String("events")).toArray()) {
        const QJsonObject e = v.toObject();
        r->events.push_back({e.value(QLatin1String("t")).toDouble(),
                             e.value(QLatin1String("label")).toString().toStdString()});
    }
    for (const auto &v : o.value(QLatin1String("operations")).toArray()) {
        const QJsonObject p = v.toObject();
        inv::OperationStats s;
        s.name = p.value(QLatin1String("name")).toString().toStdString();
        s.latency = {p.value(QLatin1String("p50")).toDouble(), p.value(QLatin1String("p95")).toDouble(),
                     p.value(QLatin1String("p99")).toDouble(), p.value(QLatin1String("max")).toDouble(),
                     p.value(QLatin1String("count")).toInteger()};
        s.ratePerSecond = p.value(QLatin1String("rps")).toDouble();
        s.failures = p.value(QLatin1String("failures")).toInteger();
        s.refused = p.value(QLatin1String("refused")).toInteger();
        s.dropped = p.value(QLatin1String("dropped")).toInteger();
        r->operations.push_back(s);
    }
    return r;
}
