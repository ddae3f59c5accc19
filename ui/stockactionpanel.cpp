#include "stockactionpanel.h"

#include "inventory/quantity.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QShortcut>
#include <QVBoxLayout>

#include <cstdlib>

namespace {
// A change of this many units asks for confirmation, whatever the stock.
constexpr long long kLargeChange = 1000;

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

// Engine messages start in lower case, to follow a prefix; alone they read as a sentence.
QString sentence(const QString &text)
{
    if (text.isEmpty())
        return text;
    QString out = text.at(0).toUpper() + text.mid(1);
    if (!out.contains(QLatin1String("othing was written")))
        out += QObject::tr(". Nothing was written.");
    return out;
}
} // namespace

StockActionPanel::StockActionPanel(QWidget *parent) : QFrame(parent)
{
    setFrameShape(QFrame::StyledPanel);
    setFixedWidth(290);
    build();
    updateForAction();
    updateReasonCounter();
    setProduct(nullptr, {});
}

void StockActionPanel::build()
{
    auto *layout = new QVBoxLayout(this);
    m_title = heading(tr("No product selected"), this);
    m_title->setWordWrap(true);
    m_dbLine = new QLabel(this);
    m_cacheLine = new QLabel(this);
    m_dbLine->setWordWrap(true);
    m_cacheLine->setWordWrap(true);
    layout->addWidget(m_title);
    layout->addWidget(m_dbLine);
    layout->addWidget(m_cacheLine);
    layout->addSpacing(8);

    auto *form = new QFormLayout;
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("action"));
    m_action->addItem(tr("Purchase"), QStringLiteral("purchase"));
    m_action->addItem(tr("Restock"), QStringLiteral("restock"));
    m_action->addItem(tr("Adjust to (absolute)"), QStringLiteral("adjust"));
    m_quantityLabel = new QLabel(tr("Quantity"), this);
    m_quantity = new QLineEdit(this);
    m_quantity->setObjectName(QStringLiteral("quantity"));
    m_quantityLabel->setBuddy(m_quantity);
    m_reasonLabel = new QLabel(tr("Reason"), this);
    m_reason = new QLineEdit(this);
    m_reason->setObjectName(QStringLiteral("reason"));
    m_reasonLabel->setBuddy(m_reason);
    m_reasonBytes = new QLabel(this);
    m_reasonBytes->setObjectName(QStringLiteral("reasonBytes"));
    m_reasonBytes->setAlignment(Qt::AlignRight);
    QFont small = m_reasonBytes->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    m_reasonBytes->setFont(small);
    form->addRow(tr("Action"), m_action);
    form->addRow(m_quantityLabel, m_quantity);
    form->addRow(m_reasonLabel, m_reason);
    form->addRow(QString(), m_reasonBytes);
    layout->addLayout(form);

    m_apply = new QPushButton(tr("Apply"), this);
    m_apply->setObjectName(QStringLiteral("apply"));
    m_apply->setDefault(true);
    layout->addWidget(m_apply);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("result"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setMinimumHeight(m_result->fontMetrics().height() * 3);
    m_result->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_result);
    m_reapply = new QPushButton(this);
    m_reapply->setObjectName(QStringLiteral("reapply"));
    m_reapply->hide();
    layout->addWidget(m_reapply);
    m_disabledReason = new QLabel(this);
    m_disabledReason->setWordWrap(true);
    m_disabledReason->setStyleSheet(QStringLiteral("color: #dc322f;"));
    m_disabledReason->hide();
    layout->addWidget(m_disabledReason);

    auto *add = new QPushButton(tr("Add product…"), this);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    layout->addWidget(add);
    layout->addStretch(1);

    layout->addWidget(heading(tr("Cache strategy"), this));
    m_strategy = new QComboBox(this);
    for (const char *name : {"versioned", "combined", "locked", "naive", "unsafe"})
        m_strategy->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    m_strategy->setItemData(0, tr("Conditional update and version-checked cache: correct, no write lock"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(1,
                            tr("Versioned, with the purchases that queue on one product applied together "
                               "in one statement: correct, fastest on a hot product"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(2, tr("Invalidate and refill under a distributed lock: correct, slower"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(3, tr("Plain cache writes after commit: stale cache and thundering herds"),
                            Qt::ToolTipRole);
    m_strategy->setItemData(4, tr("No row lock: oversells. For demonstrations only"), Qt::ToolTipRole);
    m_unsafeWarning = new QLabel(tr("⚠ unsafe writes without a row lock and oversells. Use it only to "
                                    "demonstrate the race."),
                                 this);
    m_unsafeWarning->setWordWrap(true);
    m_unsafeWarning->setStyleSheet(
        QStringLiteral("QLabel { color: white; background: #dc322f; padding: 6px; border-radius: 4px; }"));
    m_unsafeWarning->hide();
    layout->addWidget(m_strategy);
    layout->addWidget(m_unsafeWarning);

    // The shortcut lives on the panel, not the button: with nothing selected it still answers why.
    for (const auto key : {Qt::Key_Return, Qt::Key_Enter}) {
        auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | key), this);
        connect(shortcut, &QShortcut::activated, this, &StockActionPanel::apply);
    }
    connect(m_apply, &QPushButton::clicked, this, &StockActionPanel::apply);
    connect(m_quantity, &QLineEdit::returnPressed, this, &StockActionPanel::apply);
    connect(m_reapply, &QPushButton::clicked, this, &StockActionPanel::reapply);
    connect(add, &QPushButton::clicked, this, &StockActionPanel::addProductClicked);
    connect(m_reason, &QLineEdit::textChanged, this, &StockActionPanel::updateReasonCounter);
    connect(m_action, &QComboBox::currentIndexChanged, this, [this] {
        showResult({}, false);
        updateForAction();
    });
    connect(m_strategy, &QComboBox::currentIndexChanged, this, [this] {
        m_unsafeWarning->setVisible(strategy() == QLatin1String("unsafe"));
        emit strategyChanged(strategy());
    });
}

void StockActionPanel::updateForAction()
{
    const bool adjust = action() == QLatin1String("adjust");
    const QLocale locale;
    m_quantityLabel->setText(adjust ? tr("New stock") : tr("Quantity"));
    m_quantity->setPlaceholderText(
        adjust ? tr("New stock %1 to %2").arg(0).arg(locale.toString(inv::Quantity::kMax))
               : tr("%1 to %2").arg(1).arg(locale.toString(inv::Quantity::kMax)));
    m_reasonLabel->setText(adjust ? tr("Reason *") : tr("Reason"));
    m_reason->setPlaceholderText(adjust ? tr("required: why the stock is set (audit log)")
                                        : tr("optional: kept in the audit log"));
}

void StockActionPanel::updateReasonCounter()
{
    const qsizetype bytes = m_reason->text().toUtf8().size();
    const auto limit = qsizetype(inv::Quantity::kMaxReasonBytes);
    m_reasonBytes->setText(tr("%1 / %2 bytes").arg(bytes).arg(limit));
    m_reasonBytes->setStyleSheet(bytes > limit ? QStringLiteral("color: #dc322f;") : QString());
}

void StockActionPanel::setProduct(const InventoryRow *row, const QString &cacheState)
{
    const QString sku = row ? row->sku : QString();
    if (sku != m_sku) {
        showResult({}, false);
        m_sku = sku;
    }
    m_hasProduct = row != nullptr;
    if (!row) {
        m_title->setText(tr("No product selected"));
        m_dbLine->setText(tr("Select a product in the table."));
        m_cacheLine->clear();
    } else {
        m_stock = row->dbStock;
        m_version = row->dbVersion;
        m_title->setText(row->sku % QStringLiteral(" · ") % row->name);
        m_dbLine->setText(tr("Database: stock <b>%1</b>, version %2").arg(row->dbStock).arg(row->dbVersion));
        m_cacheLine->setText(row->cached ? tr("Cache: stock <b>%1</b>, version %2 (%3)")
                                               .arg(row->cacheStock)
                                               .arg(row->cacheVersion)
                                               .arg(cacheState)
                                         : tr("Cache: %1").arg(cacheState));
    }
    updateEnabled();
}

void StockActionPanel::setDatabaseAvailable(bool available, const QString &reason)
{
    m_dbAvailable = available;
    const QString text = tr("PostgreSQL is unreachable, so actions are disabled until it answers again. %1")
                             .arg(reason.left(200));
    m_disabledReason->setText(text);
    m_disabledReason->setToolTip(reason);
    m_disabledReason->setVisible(!available);
    updateEnabled();
}

void StockActionPanel::updateEnabled()
{
    m_apply->setEnabled(m_hasProduct && m_dbAvailable && !m_inFlight);
    m_reapply->setEnabled(m_dbAvailable && !m_inFlight);
    m_apply->setToolTip(!m_dbAvailable  ? tr("PostgreSQL is unreachable")
                        : !m_hasProduct ? tr("Select a product first")
                                        : tr("Apply (Ctrl+Enter)"));
}

void StockActionPanel::setStrategy(const QString &name)
{
    const int index = m_strategy->findData(name);
    if (index >= 0)
        m_strategy->setCurrentIndex(index);
    m_unsafeWarning->setVisible(strategy() == QLatin1String("unsafe"));
}

QString StockActionPanel::strategy() const
{
    return m_strategy->currentData().toString();
}

void StockActionPanel::prepareAction(const QString &name)
{
    const int index = m_action->findData(name);
    if (index >= 0)
        m_action->setCurrentIndex(index);
    m_quantity->setFocus();
    m_quantity->selectAll();
}

QString StockActionPanel::action() const
{
    return m_action->currentData().toString();
}

QString StockActionPanel::resultText() const
{
    return m_result->text();
}

void StockActionPanel::showResult(const QString &text, bool error)
{
    m_result->setStyleSheet(error ? QStringLiteral("color: #dc322f;") : QStringLiteral("color: #268b46;"));
    m_result->setText(text);
    if (text.isEmpty() || !error)
        m_reapply->hide();
}

QString StockActionPanel::confirmationReason(const QString &action, int stockBefore, long long quantity)
{
    long long after = stockBefore;
    if (action == QLatin1String("purchase"))
        after = stockBefore - quantity;
    else if (action == QLatin1String("restock"))
        after = stockBefore + quantity;
    else
        after = quantity;
    const long long change = std::llabs(after - stockBefore);
    if (after == 0 && stockBefore > 0)
        return tr("This takes the stock of the product to zero.");
    if (after < stockBefore && 2 * (stockBefore - after) > stockBefore)
        return tr("This removes more than half of the stock (%1 → %2).").arg(stockBefore).arg(after);
    if (change >= kLargeChange)
        return tr("This changes the stock by %1 units.").arg(QLocale().toString(change));
    return {};
}

void StockActionPanel::apply()
{
    if (m_inFlight)
        return;
    if (!m_dbAvailable) {
        showResult(tr("Nothing was done: PostgreSQL is unreachable, so actions are disabled."), true);
        return;
    }
    if (!m_hasProduct) {
        showResult(tr("Nothing was done: select a product in the table first (arrow keys or a click)."),
                   true);
        return;
    }
    const Request request{action(), m_sku, m_quantity->text().trimmed(), m_reason->text()};
    if (request.action == QLatin1String("adjust") && request.reason.trimmed().isEmpty()) {
        showResult(tr("An adjustment needs a reason: say why the stock is set, for the audit log. "
                      "Nothing was written."),
                   true);
        m_reason->setFocus();
        return;
    }
    bool ok = false;
    const long long n = request.quantity.toLongLong(&ok);
    if (ok && n >= 0 && n <= inv::Quantity::kMax) {
        const QString why = confirmationReason(request.action, m_stock, n);
        if (!why.isEmpty()) {
            QMessageBox box(QMessageBox::Question, tr("Confirm the change"),
                            tr("%1 %2 of %3?").arg(m_action->currentText()).arg(n).arg(request.sku),
                            QMessageBox::Yes | QMessageBox::No, this);
            box.setObjectName(QStringLiteral("confirmChange"));
            box.setInformativeText(why);
            box.setDefaultButton(QMessageBox::No);
            if (box.exec() != QMessageBox::Yes)
                return;
        }
    }
    send(request, m_version);
}

void StockActionPanel::send(const Request &request, qint64 seenVersion)
{
    m_last = request;
    m_inFlight = true;
    showResult(tr("working…"), false);
    updateEnabled();
    emit actionRequested(request.action, request.sku, request.quantity, request.reason, seenVersion);
}

void StockActionPanel::reapply()
{
    if (m_inFlight || m_last.sku.isEmpty() || m_conflictVersion <= 0)
        return;
    send(m_last, m_conflictVersion);
}

void StockActionPanel::showOutcome(const ActionOutcome &outcome)
{
    m_inFlight = false;
    switch (outcome.kind) {
    case ActionOutcome::Kind::Ok:
        showResult(tr("Done: %1 %2").arg(outcome.sku, outcome.message), false);
        // A second click must not repeat the change: the form starts over.
        m_quantity->clear();
        m_reason->clear();
        break;
    case ActionOutcome::Kind::Conflict:
        showResult(outcome.message, true);
        m_conflictVersion = outcome.version;
        m_reapply->setText(
            tr("Apply again on stock %1 (version %2)").arg(outcome.stock).arg(outcome.version));
        m_reapply->show();
        break;
    case ActionOutcome::Kind::Refused:
        showResult(tr("Refused: %1").arg(outcome.message), true);
        break;
    case ActionOutcome::Kind::Invalid:
        showResult(sentence(outcome.message), true);
        break;
    case ActionOutcome::Kind::ServiceDown:
        showResult(tr("Failed: %1").arg(outcome.message), true);
        break;
    }
    updateEnabled();
}
