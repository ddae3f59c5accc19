// The console's main window: navigation between the Inventory, Audit log, Simulation and Servers pages,
// the status bar (PostgreSQL and Redis state with round-trip times, strategy, server id), menus
// and shortcuts, and the persisted settings. It owns the ConsoleBackend's thread. GUI thread only.
#pragma once

#include "inventoryrow.h"

#include <QList>
#include <QMainWindow>
#include <QPair>
#include <QSize>
#include <QString>
#include <QStringList>

class AuditPage;
class ConsoleBackend;
class ElidedLabel;
class InventoryPage;
class QLabel;
class QListWidget;
class QStackedWidget;
class QThread;
class QTimer;
class ServersPage;
class SimulationPage;
class StockCountDialog;

struct StartOptions
{
    QString pg;
    QString redis;
    QString strategy;
    QString page;
    // Selects this SKU on the inventory page and narrows the audit page to it.
    QString sku;
    // Saves a PNG of the window once the first data has arrived, then quits when asked to.
    QString screenshot;
    // Opens File › Import stock count… for this CSV once connected (with screenshot: shoots the preview).
    QString openCount;
    bool quitAfterScreenshot = false;
    // Demo mode: run this scenario on the Simulation page as soon as the console is connected, for
    // each strategy in `compare` (or the one in `strategy`); the exit code says whether every SLO passed.
    QString autostart;
    QStringList compare;
    // Demo mode: sweep this range ("rate=1000..40000") on the Simulation page for the same strategies.
    QString sweep;
    double stepSeconds = 3;
    // Peers' results drawn on the sweep chart (a reference file, already checked).
    QString reference;
    // When the sweep ends, the chart is exported to this PNG and the console quits.
    QString exportSweep;
    QList<QPair<QString, double>> simulationParameters;
    // Faults scheduled for the demo run, as the Faults box takes them ("redis-pause@2s+1s").
    QStringList faults;
    // Demo mode: run the flash sale over these load agents ("all", a count, or names).
    QString agents;
    // The window's size for this session (screenshots at a given size); invalid: the saved one.
    QSize windowSize;
    // Opens in the dark palette without saving the choice (screenshots).
    bool dark = false;
};

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(StartOptions options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    InventoryPage *inventoryPage() const { return m_inventory; }
    AuditPage *auditPage() const { return m_audit; }
    // File › Import stock count… for this file: the preview dialog, or nullptr if not connected.
    StockCountDialog *openStockCount(const QString &path);
    const QString &pgConninfo() const { return m_pg; }
    const QString &redisUrl() const { return m_redis; }
    SimulationPage *simulationPage() const { return m_simulation; }
    ServersPage *serversPage() const { return m_servers; }
    const HealthState &health() const { return m_health; }
    void connectTo(const QString &pg, const QString &redis);
    void showPage(int index);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildStatusBar();
    void applyHealth(const HealthState &health);
    void startSandbox();
    void openConnectDialog();
    void firstStart();
    void showAbout();
    void setDarkPalette(bool dark);

    StartOptions m_options;
    QThread *m_backendThread;
    ConsoleBackend *m_backend;
    QListWidget *m_navigation;
    QStackedWidget *m_pages;
    InventoryPage *m_inventory;
    AuditPage *m_audit;
    SimulationPage *m_simulation;
    ServersPage *m_servers = nullptr;
    ElidedLabel *m_pgStatus;
    ElidedLabel *m_redisStatus;
    QLabel *m_strategyStatus;
    QLabel *m_serverStatus;
    QTimer *m_healthTimer;
    HealthState m_health;
    QString m_pg;
    QString m_redis;
};
