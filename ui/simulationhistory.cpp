#include "simulationhistory.h"

#include "simulationrunner.h"
#include "simulationverdict.h"

#include <QHeaderView>

SimulationHistory::SimulationHistory(QWidget *parent) : QTableWidget(parent)
{
    setColumnCount(5);
    setHorizontalHeaderLabels({tr("Id"), tr("Finished"), tr("Scenario"), tr("Strategy"), tr("SLOs")});
    horizontalHeader()->setStretchLastSection(true);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    verticalHeader()->setVisible(false);
    setToolTip(tr("Runs stored in the database; double-click one to reopen its charts and results"));
    connect(this, &QTableWidget::cellDoubleClicked, this,
            [this](int row) { emit reopenRequested(item(row, 0)->text().toLongLong()); });
}

void SimulationHistory::setEntries(const QList<HistoryEntry> &entries)
{
    setRowCount(static_cast<int>(entries.size()));
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const auto &e = entries.at(i);
        const int row = static_cast<int>(i);
        setItem(row, 0, new QTableWidgetItem(QString::number(e.id)));
        setItem(row, 1, new QTableWidgetItem(e.finishedAt));
        setItem(row, 2, new QTableWidgetItem(e.scenario));
        setItem(row, 3, new QTableWidgetItem(e.strategy));
        SimulationVerdict::Tone tone = SimulationVerdict::Tone::NoVerdict;
        auto *verdict = new QTableWidgetItem(SimulationVerdict::historyText(e.slos, e.stopped, &tone));
        verdict->setToolTip(verdict->text());
        verdict->setForeground(tone == SimulationVerdict::Tone::Correct ? QColor(38, 139, 70)
                               : tone == SimulationVerdict::Tone::Wrong ? QColor(220, 50, 47)
                                                                        : QColor(181, 137, 0));
        setItem(row, 4, verdict);
    }
}
