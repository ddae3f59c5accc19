// The Inventory page's side panel: the selected product as the database and the cache see it, and
// the form that purchases, restocks or adjusts it. Every request carries the version the operator
// saw, so that an adjust made from a stale screen is refused rather than overwriting a change made
// meanwhile; the panel then says what changed and offers to apply again on the new value. It
// checks what it can before asking (a quantity, a reason for an adjust, a confirmation for a large
// or emptying change) and never talks to the engine itself. GUI thread only.
#pragma once

#include "inventoryrow.h"

#include <QFrame>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

class StockActionPanel : public QFrame
{
    Q_OBJECT

public:
    explicit StockActionPanel(QWidget *parent = nullptr);

    // The selected product as the table shows it now, or null for none. A different product clears
    // the last result.
    void setProduct(const InventoryRow *row, const QString &cacheState);
    // PostgreSQL down disables every action, with the reason shown in place.
    void setDatabaseAvailable(bool available, const QString &reason = {});
    void setStrategy(const QString &strategy);
    QString strategy() const;
    // Prepares the form for an action without running it (menu shortcuts).
    void prepareAction(const QString &action);
    QString action() const;
    // What the result line says now; tests read it.
    QString resultText() const;
    bool isBusy() const { return m_inFlight; }

    // Why a change needs the operator's confirmation first, or an empty string.
    static QString confirmationReason(const QString &action, int stockBefore, long long quantity);

public slots:
    void apply();
    void showOutcome(const ActionOutcome &outcome);
    // A line in the result area for what happened elsewhere (a product added, a refused shortcut).
    void showResult(const QString &text, bool error);

signals:
    // seenVersion: the product's version when the operator chose the change (0 if unknown).
    void actionRequested(const QString &action, const QString &sku, const QString &quantity,
                         const QString &reason, qint64 seenVersion);
    void addProductClicked();
    void strategyChanged(const QString &strategy);

private:
    struct Request
    {
        QString action;
        QString sku;
        QString quantity;
        QString reason;
    };

    void build();
    void updateForAction();
    void updateReasonCounter();
    void updateEnabled();
    void send(const Request &request, qint64 seenVersion);
    void reapply();

    QString m_sku;
    int m_stock = 0;
    qint64 m_version = 0;
    bool m_hasProduct = false;
    bool m_dbAvailable = true;
    bool m_inFlight = false;
    Request m_last;
    qint64 m_conflictVersion = 0;

    QLabel *m_title = nullptr;
    QLabel *m_dbLine = nullptr;
    QLabel *m_cacheLine = nullptr;
    QComboBox *m_action = nullptr;
    QLabel *m_quantityLabel = nullptr;
    QLineEdit *m_quantity = nullptr;
    QLabel *m_reasonLabel = nullptr;
    QLineEdit *m_reason = nullptr;
    QLabel *m_reasonBytes = nullptr;
    QPushButton *m_apply = nullptr;
    QLabel *m_result = nullptr;
    QPushButton *m_reapply = nullptr;
    QLabel *m_disabledReason = nullptr;
    QComboBox *m_strategy = nullptr;
    QLabel *m_unsafeWarning = nullptr;
};
