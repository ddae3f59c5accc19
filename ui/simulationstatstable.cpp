#include "simulationstatstable.h"

#include "simulationstatsmodel.h"

#include <QHeaderView>

#include <algorithm>

SimulationStatsTable::SimulationStatsTable(QWidget *parent)
    : QTableView(parent), m_model(new SimulationStatsModel(this))
{
    setModel(m_model);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    setWordWrap(false);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    horizontalHeader()->setSectionResizeMode(SimulationStatsModel::OperationColumn,
                                             QHeaderView::ResizeToContents);
    horizontalHeader()->setMinimumSectionSize(56);
    setMinimumHeight(sizeHint().height());
    setToolTip(tr("Per operation: requests, rate, latency percentiles, refusals and errors, refreshed "
                  "four times a second while a run goes on"));
}

QSize SimulationStatsTable::sizeHint() const
{
    // Room for the header and one run's four rows; compare mode scrolls.
    const int rows = 4;
    const int header = std::max(horizontalHeader()->sizeHint().height(), fontMetrics().height() + 8);
    return {QTableView::sizeHint().width(),
            header + rows * verticalHeader()->defaultSectionSize() + 2 * frameWidth()};
}
