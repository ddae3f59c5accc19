// The Inventory page: a live table of every product as the database and the cache see it, a
// filter, and a side panel to purchase, restock, adjust and add products with the active
// strategy. It never talks to the engine itself: it emits requests and receives the
// ConsoleBackend's answers. GUI thread only.
#pragma once

#include "inventoryrow.h"

#include <QPointer>
#include <QWidget>

class AddProductDialog;
class ElidedLabel;
class InventoryModel;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTimer;
class StockActionPanel;

class InventoryPage : public QWidget
{
    Q_OBJECT

public:
    explicit InventoryPage(QWidget *parent = nullptr);

    InventoryModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    StockActionPanel *panel() const { return m_panel; }
    void setConfiguredTtl(qint64 ms);
    void setStrategy(const QString &strategy);
    QString strategy() const;
    // PostgreSQL down disables every action, with the reason shown in place.
    void setDatabaseAvailable(bool available, const QString &reason = {});
    void focusFilter();
    void selectSku(const QString &sku);
    // Shows one product: the filter narrowed to it, and its row selected once it arrives.
    void openSku(const QString &sku);
    // Prepares the panel for an action without running it (menu shortcuts).
    void prepareAction(const QString &action);
    // What the result line says now; tests read it.
    QString resultText() const;
    QString selectedSku() const;

    static constexpr int kRowLimit = 2000;

public slots:
    void showSnapshot(const InventorySnapshot &snapshot);
    void showOutcome(const ActionOutcome &outcome);
    void requestRefresh();
    void applyAction();

signals:
    void refreshRequested(const QString &filter, int limit);
    void actionRequested(const QString &action, const QString &sku, const QString &quantity,
                         const QString &reason, qint64 seenVersion);
    void addProductRequested(const QString &sku, const QString &name, const QString &stock);
    void strategyChanged(const QString &strategy);
    void showAuditRequested(const QString &sku);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updatePanel();
    void fitSkuColumn();
    void clampSkuColumn();
    void addProduct();
    void showAddOutcome(const ActionOutcome &outcome);

    InventoryModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLineEdit *m_filter;
    ElidedLabel *m_summary;
    QTimer *m_refresh;
    QTimer *m_filterDebounce;
    StockActionPanel *m_panel;
    bool m_refreshInFlight = false;
    bool m_restoringSelection = false;
    int m_skuContentWidth = 95;
    // The Add product dialog stays open until the engine has added the product.
    QPointer<AddProductDialog> m_addDialog;
    bool m_addInFlight = false;
    QString m_addSku;
    QString m_pendingSelect;
};
