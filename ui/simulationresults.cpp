#include "simulationresults.h"

#include "simulationreportreader.h"

#include <QBrush>
#include <QHeaderView>

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
        QString mark = report.stoppedEarly ? QStringLiteral("  ?") : QStringLiteral("  ? unknown");
        if (correct)
            mark = (*correct ? QStringLiteral("  ✓ correct") : QStringLiteral("  ✗ wrong")) +
                   (*performant ? QStringLiteral(" · fast") : QStringLiteral(" · slow"));
        columns << QString::fromLatin1(inv::Strategy::kindName(report.config.strategy)) + mark;
        const std::pair<std::optional<bool>, inv::SloCategory> verdicts[] = {
            {correct, inv::SloCategory::Correctness}, {performant, inv::SloCategory::Performance}};
        for (int v = 0; v < verdictRows; ++v) {
            const auto &[value, category] = verdicts[v];
            auto *item = new QTableWidgetItem;
            if (!value && report.stoppedEarly) {
                item->setText(tr("no verdict (stopped)"));
                item->setForeground(amber);
            } else if (!value) {
                QStringList unknown;
                for (const auto &f : report.failures(category))
                    unknown << QString::fromStdString(f);
                item->setText(tr("? unknown: %1").arg(unknown.join(QStringLiteral(", "))));
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
    return SimulationReportReader::fromJson(json);
}
