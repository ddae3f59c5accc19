// A PostgreSQL outage as an operator lives it, against the sandbox of ./test.sh: the long errors it
// brings (the status bar, the Audit page's Refresh, the Simulation page's Start) never change the
// window's size, and the Audit page reloads by itself once PostgreSQL answers again.
#include "auditlogmodel.h"
#include "auditpage.h"
#include "inventorypage.h"
#include "mainwindow.h"
#include "serverspage.h"
#include "simulationpage.h"
#include "testservices.h"

#include <QApplication>
#include <QPushButton>
#include <QStandardPaths>
#include <QTest>

#include <memory>

namespace {
constexpr int kWaitMs = 15000;

QPushButton *buttonNamed(QWidget *parent, const QString &text)
{
    for (auto *button : parent->findChildren<QPushButton *>())
        if (button->text().remove(u'&') == text)
            return button;
    return nullptr;
}
} // namespace

class TestOperatorOutage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void longErrorsDoNotResizeTheWindow();
    void auditPageReloadsWhenPostgresReturns();
    void cleanupTestCase();

private:
    void expectSize(const char *when);

    std::unique_ptr<inv::Sandbox> m_sandbox;
    std::unique_ptr<MainWindow> m_window;
    QSize m_size;
};

void TestOperatorOutage::initTestCase()
{
    REQUIRE_SERVICES();
    const std::string dir = testservices::env("INVENTORY_SANDBOX_DIR");
    if (dir.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_SANDBOX_DIR must name the sandbox that ./test.sh started");
        QSKIP("needs a sandbox it may stop and start");
    }
    m_sandbox = std::make_unique<inv::Sandbox>(dir);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = QStringLiteral("audit");
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1024, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->auditPage()->model()->isLoading(), kWaitMs);
    QTest::qWait(300);
    m_size = m_window->size();
    // Every page fits a 1024 px window beside the navigation (scrolling where it must).
    for (QWidget *page :
         std::initializer_list<QWidget *>{m_window->inventoryPage(), m_window->auditPage(),
                                          m_window->simulationPage(), m_window->serversPage()})
        QVERIFY2(page->minimumSizeHint().width() <= 1024 - 150,
                 qPrintable(QStringLiteral("%1 needs %2 px")
                                .arg(QString::fromLatin1(page->metaObject()->className()))
                                .arg(page->minimumSizeHint().width())));
    QCOMPARE(m_size, QSize(1024, 700)); // no page forces a larger window
}

void TestOperatorOutage::expectSize(const char *when)
{
    QTest::qWait(200); // let layouts settle
    QVERIFY2(m_window->size() == m_size, qPrintable(QStringLiteral("%1: the window is %2×%3, was %4×%5")
                                                        .arg(QString::fromLatin1(when))
                                                        .arg(m_window->width())
                                                        .arg(m_window->height())
                                                        .arg(m_size.width())
                                                        .arg(m_size.height())));
    QVERIFY(m_window->minimumSizeHint().width() <= m_size.width());
}

void TestOperatorOutage::longErrorsDoNotResizeTheWindow()
{
    m_sandbox->stopPostgres();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->health().pgUp, kWaitMs);
    QVERIFY(!m_window->health().pgError.isEmpty());
    expectSize("the status bar says PostgreSQL is down");

    // Refresh on the Audit page while PostgreSQL is down.
    AuditPage *audit = m_window->auditPage();
    QPushButton *refresh = buttonNamed(audit, QStringLiteral("Refresh"));
    QVERIFY(refresh);
    refresh->click();
    QTRY_VERIFY_WITH_TIMEOUT(audit->statusText().contains(QLatin1String("PostgreSQL")), kWaitMs);
    expectSize("the Audit page shows its error");

    // The Inventory page's table cannot load.
    m_window->showPage(0);
    QTest::qWait(2500);
    expectSize("the Inventory page cannot load");

    // Start on the Simulation page while PostgreSQL is down.
    m_window->showPage(2);
    SimulationPage *simulation = m_window->simulationPage();
    QPushButton *start = buttonNamed(simulation, QStringLiteral("Start"));
    QVERIFY(start);
    start->click();
    QTRY_VERIFY_WITH_TIMEOUT(!simulation->isRunning(), 60000);
    expectSize("the Simulation page reports the failed run");
    m_window->showPage(1);
    expectSize("back on the Audit page");
}

void TestOperatorOutage::auditPageReloadsWhenPostgresReturns()
{
    AuditPage *audit = m_window->auditPage();
    if (m_window->health().pgUp) {
        m_sandbox->stopPostgres();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->health().pgUp, kWaitMs);
    }
    audit->refresh(); // fails: the table empties to the error
    QTRY_VERIFY_WITH_TIMEOUT(audit->statusText().contains(QLatin1String("PostgreSQL")), kWaitMs);
    const QString error = audit->statusText();

    m_sandbox->startPostgres();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, kWaitMs);
    // No Refresh: the page reloads by itself.
    QTRY_VERIFY_WITH_TIMEOUT(audit->statusText() != error &&
                                 !audit->statusText().contains(QLatin1String("cannot")) &&
                                 !audit->model()->isLoading(),
                             kWaitMs);
    QVERIFY2(audit->statusText().contains(QLatin1String("row")), qPrintable(audit->statusText()));
    expectSize("PostgreSQL is back");
}

void TestOperatorOutage::cleanupTestCase()
{
    if (m_sandbox && !m_sandbox->status().pgRunning)
        m_sandbox->startPostgres();
    m_window.reset();
}

QTEST_MAIN(TestOperatorOutage)
#include "tst_operatoroutage.moc"
