#include "inventorypage.h"

#include "addproductdialog.h"
#include "elidedlabel.h"
#include "inventorymodel.h"
#include "stockactionpanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

InventoryPage::InventoryPage(QWidget *parent)
    : QWidget(parent), m_model(new InventoryModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)), m_filter(new QLineEdit(this)), m_summary(new ElidedLabel(this)),
      m_refresh(new QTimer(this)), m_filterDebounce(new QTimer(this)), m_panel(new StockActionPanel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(InventoryModel::SortRole);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(InventoryModel::Sku, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    // The name takes the spare width; the SKU is never cut, whatever the window's width.
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setSectionResizeMode(InventoryModel::Name, QHeaderView::Stretch);
    m_view->setColumnWidth(InventoryModel::Sku, 95);
    m_view->setColumnWidth(InventoryModel::Name, 135);
    m_view->setColumnWidth(InventoryModel::DbStock, 72);
    m_view->setColumnWidth(InventoryModel::CacheStock, 88);
    m_view->setColumnWidth(InventoryModel::DbVersion, 66);
    m_view->setColumnWidth(InventoryModel::CacheVersion, 80);
    m_view->setColumnWidth(InventoryModel::CacheState, 78);
    m_view->setColumnWidth(InventoryModel::Ttl, 64);
    m_view->setColumnWidth(
        InventoryModel::Updated,
        // The header is the widest part: the cells show "11-26 05:52:55".
        std::max(m_view->fontMetrics().horizontalAdvance(QStringLiteral("00-00 00:00:00")),
                 m_view->horizontalHeader()->fontMetrics().horizontalAdvance(tr("Updated (UTC)")) + 12) +
            16);

    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter by SKU or name (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->installEventFilter(this);
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setTextFormat(Qt::RichText);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_summary);
    auto *left = new QVBoxLayout;
    left->addLayout(top);
    left->addWidget(m_view, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addWidget(m_panel);

    m_filterDebounce->setSingleShot(true);
    m_filterDebounce->setInterval(250);
    connect(m_filter, &QLineEdit::textChanged, m_filterDebounce, qOverload<>(&QTimer::start));
    connect(m_filterDebounce, &QTimer::timeout, this, [this] {
        m_refreshInFlight = false; // a new filter supersedes the request in flight
        requestRefresh();
    });
    m_refresh->setInterval(1000);
    connect(m_refresh, &QTimer::timeout, this, &InventoryPage::requestRefresh);
    m_refresh->start();
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &InventoryPage::updatePanel);
    connect(m_view, &QTableView::doubleClicked, this, [this] { emit showAuditRequested(selectedSku()); });
    // A new set of rows may hold longer SKUs: fit the column once per reset, not per refresh.
    connect(m_model, &QAbstractItemModel::modelReset, this, &InventoryPage::fitSkuColumn,
            Qt::QueuedConnection);
    connect(m_panel, &StockActionPanel::actionRequested, this, &InventoryPage::actionRequested);
    connect(m_panel, &StockActionPanel::strategyChanged, this, &InventoryPage::strategyChanged);
    connect(m_panel, &StockActionPanel::addProductClicked, this, &InventoryPage::addProduct);
}

void InventoryPage::fitSkuColumn()
{
    m_view->resizeColumnToContents(InventoryModel::Sku);
    m_skuContentWidth = m_view->columnWidth(InventoryModel::Sku);
    clampSkuColumn();
}

void InventoryPage::clampSkuColumn()
{
    // Whole SKUs, but at most half of what the fixed columns leave, so that the name keeps room.
    int fixed = 0;
    for (int column = InventoryModel::DbStock; column < InventoryModel::ColumnCount; ++column)
        fixed += m_view->columnWidth(column);
    const int cap = std::max(95, (m_view->viewport()->width() - fixed) / 2);
    m_view->setColumnWidth(InventoryModel::Sku, std::clamp(m_skuContentWidth, 95, cap));
}

void InventoryPage::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    clampSkuColumn();
}

bool InventoryPage::eventFilter(QObject *watched, QEvent *event)
{
    // Down from the filter goes into the table, onto the selected row or else the first one.
    if (watched == m_filter && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent *>(event)->key() == Qt::Key_Down && m_proxy->rowCount() > 0) {
        m_view->setFocus(Qt::TabFocusReason);
        if (!m_view->selectionModel()->hasSelection()) {
            const QModelIndex first = m_proxy->index(0, 0);
            m_view->selectionModel()->setCurrentIndex(first, QItemSelectionModel::ClearAndSelect |
                                                                 QItemSelectionModel::Rows);
        }
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void InventoryPage::setConfiguredTtl(qint64 ms)
{
    m_model->setConfiguredTtl(ms);
}

void InventoryPage::setStrategy(const QString &name)
{
    m_panel->setStrategy(name);
}

QString InventoryPage::strategy() const
{
    return m_panel->strategy();
}

void InventoryPage::setDatabaseAvailable(bool available, const QString &reason)
{
    m_panel->setDatabaseAvailable(available, reason);
}

void InventoryPage::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

void InventoryPage::selectSku(const QString &sku)
{
    const int row = m_model->rowOf(sku);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                         QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void InventoryPage::openSku(const QString &sku)
{
    m_pendingSelect = sku;
    if (m_filter->text() == sku) {
        selectSku(sku);
        return;
    }
    m_filter->setText(sku); // the debounced refresh brings its row, and showSnapshot selects it
}

void InventoryPage::prepareAction(const QString &action)
{
    m_panel->prepareAction(action);
}

QString InventoryPage::resultText() const
{
    return m_panel->resultText();
}

QString InventoryPage::selectedSku() const
{
    const auto rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return {};
    const InventoryRow *row = m_model->rowAt(m_proxy->mapToSource(rows.first()).row());
    return row ? row->sku : QString();
}

void InventoryPage::updatePanel()
{
    if (m_restoringSelection)
        return;
    const int sourceRow = m_model->rowOf(selectedSku());
    const InventoryRow *row = m_model->rowAt(sourceRow);
    m_panel->setProduct(row,
                        row ? m_model->data(m_model->index(sourceRow, InventoryModel::CacheState)).toString()
                            : QString());
}

void InventoryPage::requestRefresh()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_refreshInFlight)
        return;
    m_refreshInFlight = true;
    emit refreshRequested(m_filter->text().trimmed(), kRowLimit);
}

void InventoryPage::showSnapshot(const InventorySnapshot &snapshot)
{
    m_refreshInFlight = false;
    if (!snapshot.error.isEmpty()) {
        m_summary->setContent(snapshot.error, tr("<span style='color:#dc322f'>cannot load:</span> "));
        return;
    }
    const QString keep = selectedSku();
    // A reset drops the selection for a moment: the panel sees only where it ends up.
    m_restoringSelection = true;
    m_model->setSnapshot(snapshot);
    if (!m_pendingSelect.isEmpty() && m_model->rowOf(m_pendingSelect) >= 0) {
        selectSku(m_pendingSelect);
        m_pendingSelect.clear();
    } else if (!keep.isEmpty() && m_model->rowOf(keep) >= 0) {
        if (selectedSku() != keep)
            selectSku(keep);
    } else if (selectedSku().isEmpty() && m_proxy->rowCount() == 1 && !m_filter->text().trimmed().isEmpty()) {
        // A filter that leaves one product has found it.
        selectSku(m_model->rowAt(0)->sku);
    }
    m_restoringSelection = false;
    const int stale = m_model->staleCount();
    QString text = snapshot.totalMatching > snapshot.rows.size()
                       ? tr("showing %1 of %2 products").arg(snapshot.rows.size()).arg(snapshot.totalMatching)
                   : snapshot.rows.size() == 1 ? tr("1 product")
                                               : tr("%1 products").arg(snapshot.rows.size());
    if (stale > 0)
        text += tr(" · <span style='color:#dc322f'><b>%1 stale in the cache</b></span>").arg(stale);
    if (!snapshot.redisUp)
        text += redisRefusalCode(snapshot.redisError).isEmpty()
                    ? tr(" · <span style='color:#dc322f'>Redis unreachable:</span> ")
                    : tr(" · <span style='color:#dc322f'>Redis refuses the console (%1):</span> ")
                          .arg(redisRefusalCode(snapshot.redisError).toHtmlEscaped());
    // The cause follows, with what to do: elided to the room there is, whole in the tooltip.
    m_summary->setContent(snapshot.redisUp ? QString() : snapshot.redisError, text);
    updatePanel();
}

void InventoryPage::applyAction()
{
    m_panel->apply();
}

void InventoryPage::showOutcome(const ActionOutcome &outcome)
{
    if (m_addInFlight && outcome.sku == m_addSku) {
        showAddOutcome(outcome);
        return;
    }
    m_panel->showOutcome(outcome);
    if (outcome.kind == ActionOutcome::Kind::Ok || outcome.kind == ActionOutcome::Kind::Conflict) {
        m_refreshInFlight = false;
        requestRefresh();
    }
}

void InventoryPage::addProduct()
{
    if (m_addDialog) {
        m_addDialog->raise();
        m_addDialog->activateWindow();
        return;
    }
    auto *dialog = new AddProductDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_addDialog = dialog;
    connect(dialog, &AddProductDialog::submitted, this,
            [this](const QString &sku, const QString &name, const QString &stock) {
                m_addInFlight = true;
                m_addSku = sku;
                emit addProductRequested(sku, name, stock);
            });
    dialog->open();
}

void InventoryPage::showAddOutcome(const ActionOutcome &outcome)
{
    m_addInFlight = false;
    if (outcome.kind != ActionOutcome::Kind::Ok) {
        if (m_addDialog) {
            m_addDialog->showFailure(outcome.message.at(0).toUpper() + outcome.message.mid(1));
            return;
        }
    } else if (m_addDialog) {
        m_addDialog->done(QDialog::Accepted);
    }
    m_panel->showResult(outcome.kind == ActionOutcome::Kind::Ok ? tr("Done: %1").arg(outcome.message)
                                                                : tr("Not added: %1").arg(outcome.message),
                        outcome.kind != ActionOutcome::Kind::Ok);
    if (outcome.kind == ActionOutcome::Kind::Ok)
        openSku(outcome.sku); // the new product, selected
}
