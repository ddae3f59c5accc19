#include "auditrowactions.h"

#include "auditlogmodel.h"

#include <QAction>
#include <QItemSelectionModel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>

AuditRowActions::AuditRowActions(QTableView *view, AuditLogModel *model, QPushButton *reverseButton)
    : QObject(view), m_view(view), m_model(model), m_button(reverseButton),
      m_reverse(new QAction(tr("Reverse this change…"), this)),
      m_open(new QAction(tr("Open the product on the Inventory page"), this))
{
    m_reverse->setObjectName(QStringLiteral("reverseAction"));
    m_open->setObjectName(QStringLiteral("openProductAction"));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &AuditRowActions::showMenu);
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.isValid() && index.row() < m_model->rowCount())
            emit openProductRequested(m_model->row(index.row()).sku);
    });
    connect(m_button, &QPushButton::clicked, this, &AuditRowActions::reverseCurrent);
    connect(m_reverse, &QAction::triggered, this, &AuditRowActions::reverseCurrent);
    connect(m_open, &QAction::triggered, this, [this] {
        const int row = currentRow();
        if (row >= 0)
            emit openProductRequested(m_model->row(row).sku);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &AuditRowActions::updateEnabled);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditRowActions::updateEnabled);
    updateEnabled();
}

int AuditRowActions::currentRow() const
{
    const auto rows = m_view->selectionModel()->selectedRows();
    if (rows.size() != 1 || rows.first().row() >= m_model->rowCount())
        return -1;
    return rows.first().row();
}

void AuditRowActions::setAvailable(bool available)
{
    m_available = available;
    updateEnabled();
}

void AuditRowActions::setBusy(bool busy)
{
    m_busy = busy;
    updateEnabled();
}

void AuditRowActions::updateEnabled()
{
    const bool one = currentRow() >= 0;
    const bool enabled = one && m_available && !m_busy;
    m_button->setEnabled(enabled);
    m_reverse->setEnabled(enabled);
    m_open->setEnabled(one);
    m_button->setToolTip(!m_available ? tr("PostgreSQL is unreachable")
                         : !one       ? tr("Select one row to reverse the change it records")
                                      : tr("Write the change that undoes the selected row; the audit log "
                                                 "itself is never edited"));
}

void AuditRowActions::showMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid())
        return;
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                         QItemSelectionModel::Rows);
    QMenu menu(m_view);
    menu.addAction(m_reverse);
    menu.addAction(m_open);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

QString AuditRowActions::describeReversal(const AuditRow &row)
{
    const int delta = row.stockAfter - row.stockBefore;
    const QString change = delta > 0 ? tr("takes %1 units off %2 (a purchase)").arg(delta).arg(row.sku)
                                     : tr("adds %1 units to %2 (a restock)").arg(-delta).arg(row.sku);
    return tr("Row #%1 recorded a %2 that changed the stock of %3 from %4 to %5. Reversing it %6 on the "
              "current stock, with the reason \"reverses #%1: …\". The audit log keeps both rows.")
        .arg(row.id)
        .arg(row.action, row.sku)
        .arg(row.stockBefore)
        .arg(row.stockAfter)
        .arg(change);
}

void AuditRowActions::reverseCurrent()
{
    const int row = currentRow();
    if (row < 0 || !m_available || m_busy)
        return;
    const AuditRow audit = m_model->row(row);
    if (audit.stockAfter == audit.stockBefore) {
        QMessageBox::information(m_view, tr("Reverse a change"),
                                 tr("Row #%1 changed no stock: there is nothing to reverse.").arg(audit.id));
        return;
    }
    QMessageBox box(QMessageBox::Question, tr("Reverse a change"), tr("Reverse change #%1?").arg(audit.id),
                    QMessageBox::Yes | QMessageBox::Cancel, m_view);
    box.setObjectName(QStringLiteral("confirmReverse"));
    box.setInformativeText(describeReversal(audit));
    box.button(QMessageBox::Yes)->setText(tr("Reverse"));
    box.setDefaultButton(QMessageBox::Cancel);
    if (box.exec() != QMessageBox::Yes)
        return;
    emit reverseRequested(audit.id);
}
