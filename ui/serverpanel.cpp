#include "serverpanel.h"

#include "serverchart.h"
#include "serverpanelstyle.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

ServerPanel::ServerPanel(const QString &title, const QString &objectPrefix, const QStringList &figureNames,
                         QWidget *parent)
    : QGroupBox(title, parent), m_status(new QLabel(tr("connecting…"), this)), m_note(new QLabel(this))
{
    m_status->setObjectName(objectPrefix + QStringLiteral("Status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setObjectName(objectPrefix + QStringLiteral("Note"));
    serverpanel::styleNote(m_note);
    for (const QString &name : figureNames) {
        auto *label = new QLabel(name + QLatin1Char(':'), this);
        auto *value = new QLabel(QStringLiteral("–"), this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setMinimumWidth(50);
        m_names.push_back(label);
        m_figures.push_back(value);
    }
}

void ServerPanel::build(std::vector<ServerChart *> charts, QWidget *tableTitle, QTableView *table,
                        const std::vector<int> &columnWidths)
{
    auto *figures = new QFormLayout;
    figures->setHorizontalSpacing(10);
    figures->setVerticalSpacing(2);
    for (std::size_t i = 0; i < m_names.size(); ++i)
        figures->addRow(m_names[i], m_figures[i]);
    m_charts = std::move(charts);
    auto *grid = new QGridLayout;
    grid->setSpacing(4);
    for (std::size_t i = 0; i < m_charts.size(); ++i)
        grid->addWidget(m_charts[i], static_cast<int>(i / 2), static_cast<int>(i % 2));

    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 4);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    for (std::size_t c = 0; c < columnWidths.size(); ++c)
        if (columnWidths[c] > 0)
            table->setColumnWidth(static_cast<int>(c), columnWidths[c]);
    table->setMinimumHeight(110);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(4);
    layout->addWidget(m_status);
    layout->addWidget(m_note);
    layout->addLayout(figures);
    layout->addLayout(grid, 3);
    layout->addWidget(tableTitle);
    layout->addWidget(table, 2);
}

void ServerPanel::setFigure(int row, const QString &text, const QString &tip)
{
    m_figures[static_cast<std::size_t>(row)]->setText(text);
    m_figures[static_cast<std::size_t>(row)]->setToolTip(tip);
}

QString ServerPanel::figure(const QString &name) const
{
    for (std::size_t i = 0; i < m_names.size(); ++i)
        if (m_names[i]->text() == name + QLatin1Char(':'))
            return m_figures[i]->text();
    return {};
}
