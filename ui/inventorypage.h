// The Inventory page: a live table of every product as the database and the cache see it, a
// filter, and a side panel to purchase, restock, adjust and add products with the active
// strategy. It never talks to the engine itself: it emits requests and receives the
// ConsoleBackend's answers. GUI thread only.
#pragma once

#include "inventoryrow.h"

#include <QPointer>
#include <QWidget>

class InventoryModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

class InventoryPage : public QWidget
{
    Q_OBJECT

public:
    explicit InventoryPage(QWidget *parent = nullptr);

    InventoryModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    void setConfiguredTtl(qint64 ms);
    void setStrategy(const QString &strategy);
    QString strategy() const;
    // PostgreSQL down disables every action, with the reason shown in place.
    void setDatabaseAvailable(bool available, const QString &reason = {});
    void focusFilter();
    void selectSku(const QString &sku);
    // Prepares the panel for an action without running it (menu shortcuts).
    void prepareAction(const QString &action);
    // What the result line says now; tests read it.
    QString resultText() const;

    static constexpr int kRowLimit = 2000;

public slots:
    void showSnapshot(const InventorySnapshot &snapshot);
    void showOutcome(const ActionOutcome &outcome);
    void requestRefresh();
    void applyAction();

signals:
    void refreshRequested(const QString &filter, int limit);
    void actionRequested(const QString &action, const QString &sku, const QString &quantity,
                         const QString &reason);
    void addProductRequested(const QString &sku, const QString &name, const QString &stock);
    void strategyChanged(const QString &strategy);
    void showAuditRequested(const QString &sku);

private:
    QWidget *buildPanel();
    void updatePanel();
    QString selectedSku() const;
    void showResult(const QString &text, bool error);
    void addProduct();

    InventoryModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLineEdit *m_filter;
    QLabel *m_summary;
    QTimer *m_refresh;
    QTimer *m_filterDebounce;
    bool m_refreshInFlight = false;
    bool m_actionInFlight = false;
    bool m_dbAvailable = true;
    QString m_dbReason;
    // Side panel
    QLabel *m_title;
    QLabel *m_dbLine;
    QLabel *m_cacheLine;
    QComboBox *m_action;
    QLineEdit *m_quantity;
    QLineEdit *m_reason;
    QPushButton *m_apply;
    QLabel *m_result;
    QComboBox *m_strategy;
    QLabel *m_unsafeWarning;
    QLabel *m_disabledReason;
};
