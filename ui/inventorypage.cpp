#include "inventorypage.h"

#include "inventorymodel.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace {
// A change this large asks for confirmation first.
constexpr int kLargeChange = 1000;

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}
} // namespace

InventoryPage::InventoryPage(QWidget *parent)
    : QWidget(parent), m_model(new InventoryModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)), m_filter(new QLineEdit(this)), m_summary(new QLabel(this)),
      m_refresh(new QTimer(this)), m_filterDebounce(new QTimer(this))
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
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->setColumnWidth(InventoryModel::Sku, 95);
    m_view->setColumnWidth(InventoryModel::Name, 135);
    m_view->setColumnWidth(InventoryModel::DbStock, 72);
    m_view->setColumnWidth(InventoryModel::CacheStock, 88);
    m_view->setColumnWidth(InventoryModel::DbVersion, 66);
    m_view->setColumnWidth(InventoryModel::CacheVersion, 80);
    m_view->setColumnWidth(InventoryModel::CacheState, 78);
    m_view->setColumnWidth(InventoryModel::Ttl, 64);

    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter by SKU or name (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_summary->setTextFormat(Qt::RichText);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_summary);
    auto *left = new QVBoxLayout;
    left->addLayout(top);
    left->addWidget(m_view, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addWidget(buildPanel());

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
}

QWidget *InventoryPage::buildPanel()
{
    auto *panel = new QFrame(this);
    panel->setFrameShape(QFrame::StyledPanel);
    panel->setFixedWidth(290);
    auto *layout = new QVBoxLayout(panel);

    m_title = heading(tr("No product selected"), panel);
    m_title->setWordWrap(true);
    m_dbLine = new QLabel(panel);
    m_cacheLine = new QLabel(panel);
    layout->addWidget(m_title);
    layout->addWidget(m_dbLine);
    layout->addWidget(m_cacheLine);
    layout->addSpacing(8);

    auto *form = new QFormLayout;
    m_action = new QComboBox(panel);
    m_action->setObjectName(QStringLiteral("action"));
    m_action->addItem(tr("Purchase"), QStringLiteral("purchase"));
    m_action->addItem(tr("Restock"), QStringLiteral("restock"));
    m_action->addItem(tr("Adjust to (absolute)"), QStringLiteral("adjust"));
    m_quantity = new QLineEdit(panel);
    m_quantity->setObjectName(QStringLiteral("quantity"));
    m_quantity->setPlaceholderText(tr("1 to 1,000,000"));
    m_reason = new QLineEdit(panel);
    m_reason->setObjectName(QStringLiteral("reason"));
    m_reason->setPlaceholderText(tr("why (kept in the audit log)"));
    form->addRow(tr("Action"), m_action);
    form->addRow(tr("Quantity"), m_quantity);
    form->addRow(tr("Reason"), m_reason);
    layout->addLayout(form);

    m_apply = new QPushButton(tr("Apply"), panel);
    m_apply->setObjectName(QStringLiteral("apply"));
    m_apply->setDefault(true);
    m_apply->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_apply->setToolTip(tr("Apply the action to the selected product (Ctrl+Enter)"));
    layout->addWidget(m_apply);
    m_result = new QLabel(panel);
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setMinimumHeight(m_result->fontMetrics().height() * 3);
    m_result->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_result);
    m_disabledReason = new QLabel(panel);
    m_disabledReason->setWordWrap(true);
    m_disabledReason->setStyleSheet(QStringLiteral("color: #dc322f;"));
    m_disabledReason->hide();
    layout->addWidget(m_disabledReason);

    auto *add = new QPushButton(tr("Add product…"), panel);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    layout->addWidget(add);
    layout->addStretch(1);

    layout->addWidget(heading(tr("Cache strategy"), panel));
    m_strategy = new QComboBox(panel);
    for (const char *name : {"versioned", "locked", "naive", "unsafe"})
        m_strategy->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    m_strategy->setItemData(0, tr("Conditional update and version-checked cache: correct, no write lock"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(1, tr("Invalidate and refill under a distributed lock: correct, slower"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(2, tr("Plain cache writes after commit: stale cache and thundering herds"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(3, tr("No row lock: oversells. For demonstrations only"), Qt::ToolTipRole);
    m_unsafeWarning = new QLabel(tr("⚠ unsafe writes without a row lock and oversells. Use it only to "
                                    "demonstrate the race."),
                                 panel);
    m_unsafeWarning->setWordWrap(true);
    m_unsafeWarning->setStyleSheet(
        QStringLiteral("QLabel { color: white; background: #dc322f; padding: 6px; border-radius: 4px; }"));
    m_unsafeWarning->hide();
    layout->addWidget(m_strategy);
    layout->addWidget(m_unsafeWarning);

    connect(m_apply, &QPushButton::clicked, this, &InventoryPage::applyAction);
    connect(m_quantity, &QLineEdit::returnPressed, this, &InventoryPage::applyAction);
    connect(add, &QPushButton::clicked, this, &InventoryPage::addProduct);
    connect(m_strategy, &QComboBox::currentIndexChanged, this, [this] {
        m_unsafeWarning->setVisible(strategy() == QLatin1String("unsafe"));
        emit strategyChanged(strategy());
    });
    updatePanel();
    return panel;
}

void InventoryPage::setConfiguredTtl(qint64 ms)
{
    m_model->setConfiguredTtl(ms);
}

void InventoryPage::setStrategy(const QString &name)
{
    const int index = m_strategy->findData(name);
    if (index >= 0)
        m_strategy->setCurrentIndex(index);
    m_unsafeWarning->setVisible(strategy() == QLatin1String("unsafe"));
}

QString InventoryPage::strategy() const
{
    return m_strategy->currentData().toString();
}

void InventoryPage::setDatabaseAvailable(bool available, const QString &reason)
{
    m_dbAvailable = available;
    m_dbReason = reason;
    m_disabledReason->setText(
        tr("PostgreSQL is unreachable, so actions are disabled until it answers again. %1")
            .arg(reason.left(200)));
    m_disabledReason->setVisible(!available);
    updatePanel();
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
    m_view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void InventoryPage::prepareAction(const QString &action)
{
    const int index = m_action->findData(action);
    if (index >= 0)
        m_action->setCurrentIndex(index);
    m_quantity->setFocus();
    m_quantity->selectAll();
}

QString InventoryPage::resultText() const
{
    return m_result->text();
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
    const int sourceRow = m_model->rowOf(selectedSku());
    const InventoryRow *row = m_model->rowAt(sourceRow);
    if (!row) {
        m_title->setText(tr("No product selected"));
        m_dbLine->setText(tr("Select a product in the table."));
        m_cacheLine->clear();
    } else {
        m_title->setText(row->sku % QStringLiteral(" · ") % row->name);
        m_dbLine->setText(tr("Database: stock <b>%1</b>, version %2").arg(row->dbStock).arg(row->dbVersion));
        const QString state = m_model->data(m_model->index(sourceRow, InventoryModel::CacheState)).toString();
        m_cacheLine->setText(row->cached ? tr("Cache: stock <b>%1</b>, version %2 (%3)")
                                               .arg(row->cacheStock)
                                               .arg(row->cacheVersion)
                                               .arg(state)
                                         : tr("Cache: %1").arg(state));
    }
    const bool enabled = row && m_dbAvailable && !m_actionInFlight;
    m_apply->setEnabled(enabled);
    m_apply->setToolTip(!m_dbAvailable ? tr("PostgreSQL is unreachable")
                        : !row         ? tr("Select a product first")
                                       : tr("Apply (Ctrl+Enter)"));
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
        m_summary->setText(tr("<span style='color:#dc322f'>cannot load: %1</span>")
                               .arg(snapshot.error.left(120).toHtmlEscaped()));
        return;
    }
    const QString keep = selectedSku();
    m_model->setSnapshot(snapshot);
    if (!keep.isEmpty() && selectedSku() != keep)
        selectSku(keep);
    const int stale = m_model->staleCount();
    QString text = snapshot.totalMatching > snapshot.rows.size()
                       ? tr("showing %1 of %2 products").arg(snapshot.rows.size()).arg(snapshot.totalMatching)
                       : tr("%1 products").arg(snapshot.rows.size());
    if (stale > 0)
        text += tr(" · <span style='color:#dc322f'><b>%1 stale in the cache</b></span>").arg(stale);
    if (!snapshot.redisUp)
        text += tr(" · <span style='color:#dc322f'>Redis unreachable</span>");
    m_summary->setText(text);
    updatePanel();
}

void InventoryPage::showResult(const QString &text, bool error)
{
    m_result->setStyleSheet(error ? QStringLiteral("color: #dc322f;") : QStringLiteral("color: #268b46;"));
    m_result->setText(text);
}

void InventoryPage::applyAction()
{
    const QString sku = selectedSku();
    if (sku.isEmpty() || !m_dbAvailable || m_actionInFlight)
        return;
    const QString action = m_action->currentData().toString();
    const QString quantity = m_quantity->text().trimmed();
    bool ok = false;
    const long long n = quantity.toLongLong(&ok);
    const InventoryRow *row = m_model->rowAt(m_model->rowOf(sku));
    const long long change = action == QLatin1String("adjust") && row ? std::llabs(n - row->dbStock) : n;
    if (ok && change >= kLargeChange && n <= 1'000'000) {
        const auto answer =
            QMessageBox::question(this, tr("Confirm a large change"),
                                  tr("%1 %2 units of %3?").arg(m_action->currentText()).arg(n).arg(sku),
                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes)
            return;
    }
    m_actionInFlight = true;
    showResult(tr("working…"), false);
    updatePanel();
    emit actionRequested(action, sku, quantity, m_reason->text());
}

void InventoryPage::showOutcome(const ActionOutcome &outcome)
{
    m_actionInFlight = false;
    const bool ok = outcome.kind == ActionOutcome::Kind::Ok;
    QString prefix;
    switch (outcome.kind) {
    case ActionOutcome::Kind::Ok:
        prefix = tr("Done: %1 ").arg(outcome.sku);
        break;
    case ActionOutcome::Kind::Refused:
        prefix = tr("Refused: ");
        break;
    case ActionOutcome::Kind::Invalid:
        prefix = tr("Invalid: ");
        break;
    case ActionOutcome::Kind::ServiceDown:
        prefix = tr("Failed: ");
        break;
    }
    showResult(prefix + outcome.message, !ok);
    updatePanel();
    if (ok) {
        m_refreshInFlight = false;
        requestRefresh();
    }
}

void InventoryPage::addProduct()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add product"));
    auto *form = new QFormLayout(&dialog);
    auto *sku = new QLineEdit(&dialog);
    auto *name = new QLineEdit(&dialog);
    auto *stock = new QLineEdit(QStringLiteral("0"), &dialog);
    form->addRow(tr("SKU"), sku);
    form->addRow(tr("Name"), name);
    form->addRow(tr("Initial stock"), stock);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    showResult(tr("working…"), false);
    emit addProductRequested(sku->text(), name->text(), stock->text());
}
