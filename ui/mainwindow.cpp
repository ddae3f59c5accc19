#include "mainwindow.h"

#include "agentselector.h"
#include "auditpage.h"
#include "connectiondialog.h"
#include "consolebackend.h"
#include "consolepalette.h"
#include "elidedlabel.h"
#include "inventorymodel.h"
#include "inventorypage.h"
#include "sandboxstarter.h"
#include "screenshotmode.h"
#include "serverspage.h"
#include "simulationform.h"
#include "simulationpage.h"
#include "simulationsweeppanel.h"
#include "stockcountdialog.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPalette>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <hiredis/hiredis.h>
#include <iterator>
#include <libpq-fe.h>
#include <memory>

namespace {
enum Page
{
    InventoryIndex,
    AuditIndex,
    SimulationIndex,
    ServersIndex
};

QString dot(bool ok)
{
    return ok ? QStringLiteral("<span style='color:#2aa65a'>●</span>")
              : QStringLiteral("<span style='color:#dc322f'>●</span>");
}
} // namespace

MainWindow::MainWindow(StartOptions options, QWidget *parent)
    : QMainWindow(parent), m_options(std::move(options)), m_backendThread(new QThread(this)),
      m_backend(new ConsoleBackend), m_navigation(new QListWidget(this)), m_pages(new QStackedWidget(this)),
      m_inventory(new InventoryPage(this)), m_audit(new AuditPage(this)),
      m_simulation(new SimulationPage(this)), m_pgStatus(new ElidedLabel(this)),
      m_redisStatus(new ElidedLabel(this)), m_strategyStatus(new QLabel(this)),
      m_serverStatus(new QLabel(this)), m_healthTimer(new QTimer(this))
{
    setWindowTitle(tr("Inventory Operations Console"));
    m_backend->moveToThread(m_backendThread);
    connect(m_backendThread, &QThread::finished, m_backend, &QObject::deleteLater);
    m_backendThread->setObjectName(QStringLiteral("engine"));
    m_backendThread->start();

    m_pages->addWidget(m_inventory);
    m_pages->addWidget(m_audit);
    m_pages->addWidget(m_simulation);
    m_servers = new ServersPage(this);
    m_pages->addWidget(m_servers);
    m_navigation->addItem(tr("Inventory"));
    m_navigation->addItem(tr("Audit log"));
    m_navigation->addItem(tr("Simulation"));
    m_navigation->addItem(tr("Servers"));
    m_navigation->item(0)->setIcon(style()->standardIcon(QStyle::SP_FileDialogDetailedView));
    m_navigation->item(1)->setIcon(style()->standardIcon(QStyle::SP_FileDialogContentsView));
    m_navigation->item(2)->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_navigation->item(3)->setIcon(style()->standardIcon(QStyle::SP_ComputerIcon));
    m_navigation->setFixedWidth(120);
    m_navigation->setIconSize(QSize(20, 20));
    m_navigation->setSpacing(2);
    QFont navigationFont = m_navigation->font();
    navigationFont.setPointSizeF(navigationFont.pointSizeF() * 1.1);
    m_navigation->setFont(navigationFont);
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->addWidget(m_navigation);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    // Requests go to the engine thread, answers come back: both queued, the event loop never waits.
    connect(m_inventory, &InventoryPage::refreshRequested, m_backend, &ConsoleBackend::loadInventory);
    connect(m_inventory, &InventoryPage::actionRequested, m_backend, &ConsoleBackend::runAction);
    connect(m_inventory, &InventoryPage::addProductRequested, m_backend, &ConsoleBackend::addProduct);
    connect(m_inventory, &InventoryPage::strategyChanged, m_backend, &ConsoleBackend::setStrategy);
    connect(m_inventory, &InventoryPage::strategyChanged, this, [this](const QString &s) {
        m_strategyStatus->setText(tr("strategy: <b>%1</b>").arg(s));
        QSettings().setValue(QStringLiteral("strategy"), s);
    });
    connect(m_inventory, &InventoryPage::showAuditRequested, this, [this](const QString &sku) {
        m_audit->showSku(sku);
        showPage(AuditIndex);
    });
    connect(m_backend, &ConsoleBackend::inventoryLoaded, m_inventory, &InventoryPage::showSnapshot);
    connect(m_backend, &ConsoleBackend::actionFinished, m_inventory, &InventoryPage::showOutcome);
    connect(m_backend, &ConsoleBackend::actionFinished, m_audit, &AuditPage::refresh);
    // Reversals from the audit page, and the links between the two pages.
    connect(m_audit, &AuditPage::reverseRequested, m_backend, &ConsoleBackend::reverse);
    connect(m_backend, &ConsoleBackend::reversalFinished, m_audit, &AuditPage::showReversal);
    connect(m_backend, &ConsoleBackend::reversalFinished, m_inventory,
            [this] { m_inventory->requestRefresh(); });
    connect(m_audit, &AuditPage::openProductRequested, this, [this](const QString &sku) {
        m_inventory->openSku(sku);
        showPage(InventoryIndex);
    });
    connect(m_backend, &ConsoleBackend::healthChanged, this, &MainWindow::applyHealth);
    connect(m_backend, &ConsoleBackend::connected, this, [this](const QString &serverId, qint64 ttl) {
        m_serverStatus->setText(tr("server id: %1").arg(serverId));
        m_inventory->setConfiguredTtl(ttl);
        m_inventory->requestRefresh();
        statusBar()->showMessage(tr("connected"), 3000);
        if (!m_options.autostart.isEmpty() && !m_simulation->isRunning()) {
            const QStringList strategies =
                !m_options.compare.isEmpty() ? m_options.compare : QStringList{m_inventory->strategy()};
            m_simulation->selectScenario(m_options.autostart);
            for (const auto &[name, value] : m_options.simulationParameters)
                m_simulation->setParameter(name, value);
            m_simulation->form()->setScheduledFaults(m_options.faults.join(QLatin1Char(' ')));
            m_simulation->form()->agents()->setSelection(m_options.agents);
            m_simulation->start(m_options.autostart, strategies);
            m_options.autostart.clear();
        }
        if (!m_options.sweep.isEmpty()) {
            const QStringList strategies =
                !m_options.compare.isEmpty() ? m_options.compare : QStringList{m_inventory->strategy()};
            m_simulation->selectScenario(QStringLiteral("mixed"));
            for (const auto &[name, value] : m_options.simulationParameters)
                m_simulation->setParameter(name, value);
            if (!m_options.reference.isEmpty())
                m_simulation->sweep()->loadReferences(m_options.reference);
            if (!m_simulation->startSweep(m_options.sweep, strategies, m_options.stepSeconds)) {
                std::fprintf(stderr, "error: %s\n", qPrintable(m_simulation->sweep()->status()));
                if (m_options.quitAfterScreenshot || !m_options.exportSweep.isEmpty())
                    QTimer::singleShot(0, qApp, [] { QCoreApplication::exit(2); });
            }
            m_options.sweep.clear();
        }
    });
    connect(m_backend, &ConsoleBackend::connectionFailed, this, [this](const QString &message) {
        m_pgStatus->setContent(tr("PostgreSQL: %1").arg(message), dot(false) + u' ');
        m_inventory->setDatabaseAvailable(false, message);
        statusBar()->showMessage(tr("cannot connect; retrying in 3 s"), 3000);
        // Try again by itself, unless the operator chose other servers meanwhile.
        const QString pg = m_pg, redis = m_redis;
        QTimer::singleShot(3000, this, [this, pg, redis] {
            if (pg == m_pg && redis == m_redis && !m_health.pgUp)
                connectTo(pg, redis);
        });
    });
    connect(m_audit, &AuditPage::statusMessage, this,
            [this](const QString &text) { statusBar()->showMessage(text, 5000); });
    m_healthTimer->setInterval(2000);
    connect(m_healthTimer, &QTimer::timeout, m_backend, &ConsoleBackend::probeHealth);

    buildMenus();
    buildStatusBar();

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    if (!settings.contains(QStringLiteral("geometry")))
        resize(1280, 800);
    if (m_options.windowSize.isValid())
        resize(m_options.windowSize);
    const QString strategy =
        !m_options.strategy.isEmpty()
            ? m_options.strategy
            : settings.value(QStringLiteral("strategy"), QStringLiteral("versioned")).toString();
    m_inventory->setStrategy(strategy);
    m_strategyStatus->setText(tr("strategy: <b>%1</b>").arg(m_inventory->strategy()));
    int page = settings.value(QStringLiteral("page"), 0).toInt();
    if (m_options.page == QLatin1String("audit"))
        page = AuditIndex;
    else if (m_options.page == QLatin1String("inventory"))
        page = InventoryIndex;
    else if (m_options.page == QLatin1String("simulation"))
        page = SimulationIndex;
    else if (m_options.page == QLatin1String("servers"))
        page = ServersIndex;
    showPage(page);
    setDarkPalette(m_options.dark || settings.value(QStringLiteral("dark"), false).toBool());

    const QString pg =
        !m_options.pg.isEmpty() ? m_options.pg : settings.value(QStringLiteral("connection/pg")).toString();
    // Settings keep no password: a saved URL of the local sandbox's Redis gets the sandbox's back.
    const QString redis = !m_options.redis.isEmpty()
                              ? m_options.redis
                              : SandboxStarter::withRedisPassword(
                                    settings.value(QStringLiteral("connection/redis")).toString());
    if (!pg.isEmpty() && !redis.isEmpty())
        QTimer::singleShot(0, this, [this, pg, redis] { connectTo(pg, redis); });
    else if (settings.value(QStringLiteral("connection/sandbox")).toBool() || SandboxStarter::running())
        QTimer::singleShot(0, this, &MainWindow::startSandbox);
    else
        QTimer::singleShot(0, this, &MainWindow::firstStart);

    if (!m_options.sku.isEmpty()) {
        m_audit->showSku(m_options.sku);
        auto select = std::make_shared<QMetaObject::Connection>();
        *select = connect(m_backend, &ConsoleBackend::inventoryLoaded, this, [this, select] {
            QTimer::singleShot(0, this, [this] { m_inventory->selectSku(m_options.sku); });
            disconnect(*select);
        });
    }
    if (!m_options.openCount.isEmpty() && m_options.screenshot.isEmpty()) {
        auto open = std::make_shared<QMetaObject::Connection>();
        *open = connect(m_backend, &ConsoleBackend::inventoryLoaded, this, [this, open] {
            disconnect(*open);
            QTimer::singleShot(0, this, [this] { openStockCount(m_options.openCount); });
        });
    }
    new ScreenshotMode(this, m_backend, m_options);
}

MainWindow::~MainWindow()
{
    m_backendThread->quit();
    m_backendThread->wait();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Connect…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), this,
                    &MainWindow::openConnectDialog);
    file->addAction(tr("Start local &sandbox"), this, &MainWindow::startSandbox);
    file->addSeparator();
    file->addAction(tr("&Import stock count…"), QKeySequence(Qt::CTRL | Qt::Key_I), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import stock count"), QString(),
                                                          tr("Stock counts (*.csv);;All files (*)"));
        if (!path.isEmpty())
            openStockCount(path);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Inventory"), QKeySequence(Qt::CTRL | Qt::Key_1), this,
                    [this] { showPage(InventoryIndex); });
    view->addAction(tr("&Audit log"), QKeySequence(Qt::CTRL | Qt::Key_2), this,
                    [this] { showPage(AuditIndex); });
    view->addAction(tr("&Simulation"), QKeySequence(Qt::CTRL | Qt::Key_3), this,
                    [this] { showPage(SimulationIndex); });
    view->addAction(tr("Se&rvers"), QKeySequence(Qt::CTRL | Qt::Key_4), this,
                    [this] { showPage(ServersIndex); });
    view->addSeparator();
    view->addAction(tr("&Find"), QKeySequence::Find, this, [this] {
        showPage(InventoryIndex);
        m_inventory->focusFilter();
    });
    view->addAction(tr("&Refresh"), QKeySequence::Refresh, this, [this] {
        m_inventory->requestRefresh();
        m_audit->refresh();
    });
    view->addAction(tr("&Purchase"), QKeySequence(Qt::CTRL | Qt::Key_P), this, [this] {
        showPage(InventoryIndex);
        m_inventory->prepareAction(QStringLiteral("purchase"));
    });
    view->addAction(tr("R&estock"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] {
        showPage(InventoryIndex);
        m_inventory->prepareAction(QStringLiteral("restock"));
    });
    view->addAction(tr("A&djust"), QKeySequence(Qt::CTRL | Qt::Key_J), this, [this] {
        showPage(InventoryIndex);
        m_inventory->prepareAction(QStringLiteral("adjust"));
    });
    view->addSeparator();
    QAction *dark = view->addAction(tr("Dar&k palette"));
    dark->setCheckable(true);
    dark->setChecked(m_options.dark || QSettings().value(QStringLiteral("dark"), false).toBool());
    connect(dark, &QAction::toggled, this, [this](bool on) {
        setDarkPalette(on);
        QSettings().setValue(QStringLiteral("dark"), on);
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About"), this, &MainWindow::showAbout);
}

void MainWindow::buildStatusBar()
{
    for (QLabel *label :
         std::initializer_list<QLabel *>{m_pgStatus, m_redisStatus, m_strategyStatus, m_serverStatus}) {
        label->setTextFormat(Qt::RichText);
        label->setContentsMargins(8, 0, 8, 0);
        statusBar()->addPermanentWidget(label);
    }
    // A long error must not widen the window: these elide, with the whole text in a tooltip.
    m_pgStatus->setObjectName(QStringLiteral("pgStatus"));
    m_redisStatus->setObjectName(QStringLiteral("redisStatus"));
    m_pgStatus->setPreferredWidth(360);
    m_redisStatus->setPreferredWidth(360);
    m_pgStatus->setContent(tr("PostgreSQL: not connected"), dot(false) + u' ');
    m_redisStatus->setContent(tr("Redis: not connected"), dot(false) + u' ');
}

StockCountDialog *MainWindow::openStockCount(const QString &path)
{
    if (m_pg.isEmpty()) {
        statusBar()->showMessage(tr("Connect to PostgreSQL first (File › Connect…), then import the count."),
                                 8000);
        return nullptr;
    }
    auto *dialog = new StockCountDialog(m_pg, m_redis, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &StockCountDialog::countApplied, this, [this] {
        m_inventory->requestRefresh();
        m_audit->refresh();
    });
    dialog->show();
    dialog->preview(path);
    return dialog;
}

void MainWindow::showPage(int index)
{
    m_navigation->setCurrentRow(index);
    m_pages->setCurrentIndex(index);
}

void MainWindow::connectTo(const QString &pg, const QString &redis)
{
    m_pg = pg;
    m_redis = redis;
    m_pgStatus->setContent(tr("PostgreSQL: connecting…"), dot(false) + u' ');
    QMetaObject::invokeMethod(m_backend, "connectTo", Qt::QueuedConnection, Q_ARG(QString, pg),
                              Q_ARG(QString, redis), Q_ARG(QString, m_inventory->strategy()));
    m_audit->setDatabase(pg);
    m_simulation->setConnection(pg, redis);
    m_servers->setConnection(pg, redis);
    m_healthTimer->start();
}

void MainWindow::applyHealth(const HealthState &health)
{
    m_health = health;
    m_pgStatus->setContent(
        health.pgUp ? tr("PostgreSQL %1 · %2 ms").arg(health.pgVersion).arg(health.pgMs, 0, 'f', 1) +
                          (health.pgNotDurable ? tr(" · fsync off: a crash can lose writes") : QString())
                    : tr("PostgreSQL down: %1").arg(health.pgError),
        dot(health.pgUp) + u' ');
    m_redisStatus->setContent(
        health.redisUp ? tr("Redis %1 · %2 ms").arg(health.redisVersion).arg(health.redisMs, 0, 'f', 1)
        : !redisRefusalCode(health.redisError).isEmpty()
            ? tr("Redis refuses the console (%1): serving from PostgreSQL. %2")
                  .arg(redisRefusalCode(health.redisError), health.redisError)
            : tr("Redis down: serving from PostgreSQL. %1").arg(health.redisError),
        dot(health.redisUp) + u' ');
    m_inventory->setDatabaseAvailable(health.pgUp, health.pgError);
    m_audit->setDatabaseAvailable(health.pgUp);
}

void MainWindow::firstStart()
{
    QMessageBox box(this);
    box.setWindowTitle(tr("Welcome"));
    box.setText(tr("No database is configured yet."));
    box.setInformativeText(
        tr("Start a local sandbox (a private PostgreSQL and Redis with demo data), or connect "
           "to servers you already run."));
    QPushButton *sandbox = box.addButton(tr("Start local sandbox"), QMessageBox::AcceptRole);
    QPushButton *connectButton = box.addButton(tr("Connect…"), QMessageBox::ActionRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(sandbox);
    box.exec();
    if (box.clickedButton() == sandbox)
        startSandbox();
    else if (box.clickedButton() == connectButton)
        openConnectDialog();
}

void MainWindow::startSandbox()
{
    auto *starter = new SandboxStarter(this);
    connect(starter, &SandboxStarter::started, this, &MainWindow::connectTo);
    starter->start();
}

void MainWindow::openConnectDialog()
{
    ConnectionDialog dialog(this);
    dialog.setConnection(m_pg, m_redis);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QSettings settings;
    // The passwords stay in this session only.
    settings.setValue(QStringLiteral("connection/pg"), dialog.pgConninfo(false));
    settings.setValue(QStringLiteral("connection/redis"), dialog.redisUrl(false));
    settings.setValue(QStringLiteral("connection/sandbox"), false);
    connectTo(dialog.pgConninfo(true), dialog.redisUrl());
}

void MainWindow::showAbout()
{
    const int libpq = PQlibVersion();
    QMessageBox::about(this, tr("About Inventory Operations Console"),
                       tr("<h3>Inventory Operations Console %1</h3>"
                          "<p>Adjust a live inventory, and watch cache and locking races under load.</p>"
                          "<table>"
                          "<tr><td>Qt</td><td>%2</td></tr>"
                          "<tr><td>libpq</td><td>%3.%4</td></tr>"
                          "<tr><td>hiredis</td><td>%5.%6.%7</td></tr>"
                          "<tr><td>PostgreSQL server</td><td>%8</td></tr>"
                          "<tr><td>Redis server</td><td>%9</td></tr>"
                          "</table>")
                           .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion()))
                           .arg(libpq / 10000)
                           .arg(libpq % 10000)
                           .arg(HIREDIS_MAJOR)
                           .arg(HIREDIS_MINOR)
                           .arg(HIREDIS_PATCH)
                           .arg(m_health.pgUp ? m_health.pgVersion : tr("not connected"),
                                m_health.redisUp ? m_health.redisVersion : tr("not connected")));
}

void MainWindow::setDarkPalette(bool dark)
{
    const QPalette palette = dark ? ConsolePalette::dark() : ConsolePalette::light();
    QApplication::setPalette(palette);
    // Icons in the palette's own ink: the style's stock ones vanish on a dark background.
    const ConsolePalette::Icon icons[] = {ConsolePalette::Icon::Inventory, ConsolePalette::Icon::AuditLog,
                                          ConsolePalette::Icon::Simulation, ConsolePalette::Icon::Servers};
    for (int i = 0; i < m_navigation->count() && i < int(std::size(icons)); ++i)
        m_navigation->item(i)->setIcon(ConsolePalette::navigationIcon(icons[i], palette));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("page"), m_pages->currentIndex());
    event->accept();
}
