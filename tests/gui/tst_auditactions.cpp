// The Audit page's links and reversal in the console window, against the real services: clicking
// a change on the stock chart selects its row, double-clicking a row opens the product on the
// Inventory page, "Reverse this change…" writes the compensating change and keeps the original,
// the Time column names its zone, and Clear filters clears the chart too.
#include "auditlogmodel.h"
#include "auditpage.h"
#include "auditrowactions.h"
#include "inventorypage.h"
#include "mainwindow.h"
#include "stockhistorychart.h"
#include "testservices.h"

#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTimer>

#include <memory>

namespace {
constexpr int kWaitMs = 8000;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// Presses `button` on the next modal message box, and keeps its text.
std::shared_ptr<QString> answerNextBox(QMessageBox::StandardButton button)
{
    auto text = std::make_shared<QString>();
    auto *timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, text, button] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        *text = box->text() + u' ' + box->informativeText();
        box->button(button)->click();
        timer->deleteLater();
    });
    timer->start();
    return text;
}
} // namespace

class TestAuditActions : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void timeColumnNamesItsZone();
    void chartClickSelectsTheRow();
    void doubleClickOpensTheProduct();
    void reversePurchase();
    void clearFiltersClearsTheChart();
    void cleanupTestCase();

private:
    int rowOfId(qint64 id) const;
    void showSku(const std::string &sku, int rows);

    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
    std::unique_ptr<MainWindow> m_window;
    AuditPage *m_audit = nullptr;
};

void TestAuditActions::initTestCase()
{
    qputenv("TZ", "UTC");
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    StartOptions options;
    options.pg = qs(testservices::pgUrl());
    options.redis = qs(testservices::redisUrl());
    options.page = QStringLiteral("audit");
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_audit = m_window->auditPage();
}

int TestAuditActions::rowOfId(qint64 id) const
{
    for (int r = 0; r < m_audit->model()->rowCount(); ++r)
        if (m_audit->model()->row(r).id == id)
            return r;
    return -1;
}

void TestAuditActions::showSku(const std::string &sku, int rows)
{
    m_window->showPage(1);
    m_audit->showSku(qs(sku));
    QTRY_VERIFY_WITH_TIMEOUT(m_audit->model()->rowCount() == rows && !m_audit->model()->isLoading(), kWaitMs);
}

void TestAuditActions::timeColumnNamesItsZone()
{
    QCOMPARE(m_audit->model()->headerData(AuditLogModel::At, Qt::Horizontal).toString(),
             QStringLiteral("Time (UTC)"));
}

void TestAuditActions::chartClickSelectsTheRow()
{
    const std::string sku = testservices::uniqueSku("gui-link");
    m_service->addProduct(sku, "Link", 50);
    std::vector<qint64> ids;
    for (int i = 1; i <= 4; ++i) {
        ids.push_back(m_service->purchase(sku, i, "link").auditId);
        QTest::qWait(30); // distinct times on the chart
    }
    showSku(sku, 4);
    StockHistoryChart *chart = m_audit->chart();
    QTRY_VERIFY_WITH_TIMEOUT(chart->sku() == qs(sku) && chart->sampleCount() == 4, kWaitMs);
    m_audit->tableView()->clearSelection();
    // The second change, oldest first.
    QSignalSpy clicked(chart, &StockHistoryChart::changeClicked);
    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, chart->samplePosition(1));
    QTRY_COMPARE_WITH_TIMEOUT(clicked.count(), 1, kWaitMs);
    QCOMPARE(clicked.constFirst().constFirst().toLongLong(), ids[1]);
    QTRY_COMPARE_WITH_TIMEOUT(m_audit->rowActions()->currentRow(), rowOfId(ids[1]), kWaitMs);
    QVERIFY(rowOfId(ids[1]) >= 0);
}

void TestAuditActions::doubleClickOpensTheProduct()
{
    const std::string sku = testservices::uniqueSku("gui-open");
    m_service->addProduct(sku, "Open", 9);
    m_service->restock(sku, 1, "open");
    showSku(sku, 1);
    QTableView *view = m_audit->tableView();
    const QRect cell = view->visualRect(m_audit->model()->index(0, AuditLogModel::Sku));
    QSignalSpy doubleClicked(view, &QAbstractItemView::doubleClicked);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(doubleClicked.count(), 1);
    InventoryPage *inventory = m_window->inventoryPage();
    QTRY_VERIFY_WITH_TIMEOUT(inventory->isVisible(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(inventory->selectedSku(), qs(sku), kWaitMs);
}

void TestAuditActions::reversePurchase()
{
    const std::string sku = testservices::uniqueSku("gui-reverse");
    m_service->addProduct(sku, "Reverse", 30);
    const inv::WriteResult purchase = m_service->purchase(sku, 4, "wrong shelf");
    showSku(sku, 1);
    QTableView *view = m_audit->tableView();
    view->selectRow(0);
    auto *button = m_window->findChild<QPushButton *>(QStringLiteral("reverseButton"));
    QVERIFY(button && button->isEnabled());
    const auto confirmation = answerNextBox(QMessageBox::Yes);
    button->click();
    QVERIFY2(confirmation->contains(QStringLiteral("#%1").arg(purchase.auditId)), qPrintable(*confirmation));
    QTRY_COMPARE_WITH_TIMEOUT(testservices::dbStock(*m_db, sku), 30, kWaitMs);
    const auto rows = m_db->exec("SELECT id, action, quantity, reason FROM inventory_audit WHERE sku = $1 "
                                 "ORDER BY id",
                                 {sku});
    QCOMPARE(rows.rows(), 2);
    QCOMPARE(rows.int64(0, 0), purchase.auditId); // the original stays, unedited
    QCOMPARE(rows.text(0, 3), std::string("wrong shelf"));
    QCOMPARE(rows.text(1, 1), std::string("restock"));
    QCOMPARE(rows.int32(1, 2), 4);
    QCOMPARE(rows.text(1, 3), "reverses #" + std::to_string(purchase.auditId) + ": wrong shelf");
    // The page reloads with the new row, selected.
    QTRY_VERIFY_WITH_TIMEOUT(m_audit->model()->rowCount() == 2, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_audit->rowActions()->currentRow(), rowOfId(rows.int64(1, 0)), kWaitMs);

    // Reversing it a second time is refused, and writes nothing.
    view->selectRow(rowOfId(purchase.auditId));
    answerNextBox(QMessageBox::Yes);
    button->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_audit->statusText().contains(QLatin1String("not reversed")), kWaitMs);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 2LL);
}

void TestAuditActions::clearFiltersClearsTheChart()
{
    const std::string sku = testservices::uniqueSku("gui-chart-clear");
    m_service->addProduct(sku, "Chart", 9);
    m_service->purchase(sku, 1, "chart");
    showSku(sku, 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_audit->chart()->sku(), qs(sku), kWaitMs);
    QPushButton *clear = nullptr;
    for (auto *button : m_audit->findChildren<QPushButton *>())
        if (button->objectName() == QLatin1String("clearButton"))
            clear = button;
    QVERIFY(clear);
    clear->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_audit->chart()->sku().isEmpty(), kWaitMs);
    QTest::qWait(500);
    QVERIFY(m_audit->chart()->sku() != qs(sku));
}

void TestAuditActions::cleanupTestCase()
{
    m_window.reset();
}

QTEST_MAIN(TestAuditActions)
#include "tst_auditactions.moc"
