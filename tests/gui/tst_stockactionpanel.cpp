// The Inventory page's side panel and keyboard against the real services, offscreen: results and
// fields start over when they should, an adjust needs a reason and asks before emptying a product,
// a change made behind the panel's back is refused and can be applied again on the new value, and
// the table answers the keyboard.
#include "addproductdialog.h"
#include "inventorymodel.h"
#include "inventorypage.h"
#include "mainwindow.h"
#include "stockactionpanel.h"
#include "testservices.h"

#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
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

// Answers the next modal message box with `button` once it is open, and keeps its text.
struct BoxAnswer
{
    QString text;
    bool seen = false;
};

std::shared_ptr<BoxAnswer> answerNextBox(QMessageBox::StandardButton button)
{
    auto answer = std::make_shared<BoxAnswer>();
    auto *timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, answer, button] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        answer->seen = true;
        answer->text = box->text() + u' ' + box->informativeText();
        box->button(button)->click();
        timer->deleteLater();
    });
    timer->start();
    return answer;
}
} // namespace

class TestStockActionPanel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void confirmationReason_data();
    void confirmationReason();
    void resultClearedWhenProductOrActionChanges();
    void fieldsResetAfterApply();
    void adjustNeedsReasonAndAllowsZero();
    void reasonShowsByteCounter();
    void cancelledConfirmationWritesNothing();
    void concurrentAdjustIsRefusedThenReapplied();
    void purchaseListsChangesInBetween();
    void downFromFilterMovesIntoTable();
    void singleMatchIsSelected();
    void ctrlEnterWithNothingSelectedSaysWhy();
    void oneProductIsSingular();
    void invalidQuantityIsOneSentence();
    void skuColumnIsNotTruncatedAt1920();
    void duplicateAddKeepsDialogOpen();
    void cleanupTestCase();

private:
    void showOnly(const std::string &filter, int rows = 1);
    void setForm(const QString &action, const QString &quantity, const QString &reason);
    void clickApply() { m_apply->click(); }
    qint64 dbVersion(const std::string &sku);

    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
    std::unique_ptr<MainWindow> m_window;
    InventoryPage *m_page = nullptr;
    QComboBox *m_action = nullptr;
    QLineEdit *m_quantity = nullptr;
    QLineEdit *m_reason = nullptr;
    QPushButton *m_apply = nullptr;
    QLineEdit *m_filter = nullptr;
};

void TestStockActionPanel::initTestCase()
{
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("inventory-console-tests"));
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    StartOptions options;
    options.pg = qs(testservices::pgUrl());
    options.redis = qs(testservices::redisUrl());
    options.strategy = QStringLiteral("versioned");
    options.page = QStringLiteral("inventory");
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
    m_page = m_window->inventoryPage();
    m_action = m_window->findChild<QComboBox *>(QStringLiteral("action"));
    m_quantity = m_window->findChild<QLineEdit *>(QStringLiteral("quantity"));
    m_reason = m_window->findChild<QLineEdit *>(QStringLiteral("reason"));
    m_apply = m_window->findChild<QPushButton *>(QStringLiteral("apply"));
    m_filter = m_window->findChild<QLineEdit *>(QStringLiteral("filter"));
    QVERIFY(m_action && m_quantity && m_reason && m_apply && m_filter);
}

void TestStockActionPanel::showOnly(const std::string &filter, int rows)
{
    m_filter->setText(qs(filter));
    InventoryModel *model = m_page->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == rows && model->rowAt(0)->sku.startsWith(qs(filter)),
                             kWaitMs);
    if (rows == 1)
        QTRY_COMPARE_WITH_TIMEOUT(m_page->selectedSku(), qs(filter), kWaitMs);
}

void TestStockActionPanel::setForm(const QString &action, const QString &quantity, const QString &reason)
{
    m_action->setCurrentIndex(m_action->findData(action));
    m_quantity->setText(quantity);
    m_reason->setText(reason);
}

qint64 TestStockActionPanel::dbVersion(const std::string &sku)
{
    return m_db->exec("SELECT version FROM inventory WHERE sku = $1", {sku}).int64(0, 0);
}

void TestStockActionPanel::confirmationReason_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<int>("before");
    QTest::addColumn<int>("quantity");
    QTest::addColumn<bool>("asks");
    QTest::newRow("adjust 165 -> 50 removes more than half") << "adjust" << 165 << 50 << true;
    QTest::newRow("adjust 50 -> 0 empties") << "adjust" << 50 << 0 << true;
    QTest::newRow("adjust 50 -> 30") << "adjust" << 50 << 30 << false;
    QTest::newRow("adjust 10 -> 2000 is large") << "adjust" << 10 << 2000 << true;
    QTest::newRow("purchase of the last unit empties") << "purchase" << 1 << 1 << true;
    QTest::newRow("purchase of 6 of 10") << "purchase" << 10 << 6 << true;
    QTest::newRow("purchase of 5 of 10") << "purchase" << 10 << 5 << false;
    QTest::newRow("restock of 1000") << "restock" << 5 << 1000 << true;
    QTest::newRow("restock of 999") << "restock" << 5 << 999 << false;
    QTest::newRow("adjust 0 -> 0") << "adjust" << 0 << 0 << false;
}

void TestStockActionPanel::confirmationReason()
{
    QFETCH(QString, action);
    QFETCH(int, before);
    QFETCH(int, quantity);
    QFETCH(bool, asks);
    QCOMPARE(!StockActionPanel::confirmationReason(action, before, quantity).isEmpty(), asks);
}

void TestStockActionPanel::resultClearedWhenProductOrActionChanges()
{
    const std::string a = testservices::uniqueSku("gui-clear");
    const std::string b = a + "-b";
    m_service->addProduct(a, "Clear A", 40);
    m_service->addProduct(b, "Clear B", 40);
    showOnly(a, 2);
    m_page->selectSku(qs(a));
    setForm(QStringLiteral("purchase"), QStringLiteral("1"), {});
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    m_page->selectSku(qs(b));
    QCOMPARE(m_page->resultText(), QString());

    m_page->selectSku(qs(a));
    setForm(QStringLiteral("purchase"), QStringLiteral("1"), {});
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    // The result stays across refreshes of the same product...
    QTest::qWait(1500);
    QVERIFY(m_page->resultText().startsWith(QLatin1String("Done")));
    // ...and goes when the action changes.
    m_action->setCurrentIndex(m_action->findData(QStringLiteral("restock")));
    QCOMPARE(m_page->resultText(), QString());
}

void TestStockActionPanel::fieldsResetAfterApply()
{
    const std::string sku = testservices::uniqueSku("gui-reset");
    m_service->addProduct(sku, "Reset", 30);
    showOnly(sku);
    setForm(QStringLiteral("purchase"), QStringLiteral("2"), QStringLiteral("walk-in"));
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    QCOMPARE(m_quantity->text(), QString());
    QCOMPARE(m_reason->text(), QString());
    // A second click does not repeat the purchase.
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(!m_page->resultText().startsWith(QLatin1String("Done")) &&
                                 !m_page->resultText().startsWith(QLatin1String("working")),
                             kWaitMs);
    QVERIFY2(m_page->resultText().contains(QLatin1String("quantity")), qPrintable(m_page->resultText()));
    QCOMPARE(testservices::dbStock(*m_db, sku), 28);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);
}

void TestStockActionPanel::adjustNeedsReasonAndAllowsZero()
{
    const std::string sku = testservices::uniqueSku("gui-adjust");
    m_service->addProduct(sku, "Adjust", 12);
    showOnly(sku);
    m_action->setCurrentIndex(m_action->findData(QStringLiteral("adjust")));
    QVERIFY2(m_quantity->placeholderText().startsWith(QLatin1String("New stock 0 to")),
             qPrintable(m_quantity->placeholderText()));
    QVERIFY(m_reason->placeholderText().contains(QLatin1String("required")));
    m_action->setCurrentIndex(m_action->findData(QStringLiteral("purchase")));
    QVERIFY(m_quantity->placeholderText().startsWith(QLatin1String("1 to")));
    QVERIFY(m_reason->placeholderText().contains(QLatin1String("optional")));

    setForm(QStringLiteral("adjust"), QStringLiteral("0"), QStringLiteral("   "));
    clickApply();
    QVERIFY2(m_page->resultText().contains(QLatin1String("needs a reason")),
             qPrintable(m_page->resultText()));
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 0LL);

    m_reason->setText(QStringLiteral("damaged in the flood"));
    const auto box = answerNextBox(QMessageBox::Yes);
    clickApply();
    QVERIFY(box->seen);
    QVERIFY2(box->text.contains(QLatin1String("zero")), qPrintable(box->text));
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    QCOMPARE(testservices::dbStock(*m_db, sku), 0);
}

void TestStockActionPanel::reasonShowsByteCounter()
{
    auto *counter = m_window->findChild<QLabel *>(QStringLiteral("reasonBytes"));
    QVERIFY(counter);
    m_reason->clear();
    m_reason->insert(QStringLiteral("déjà")); // as typed: QTest types ASCII only
    QCOMPARE(counter->text(), QStringLiteral("6 / 500 bytes"));
    m_reason->setText(QString(501, u'x'));
    QVERIFY(counter->text().startsWith(QLatin1String("501 / 500")));
    QVERIFY(counter->styleSheet().contains(QLatin1String("color")));
    m_reason->clear();
}

void TestStockActionPanel::cancelledConfirmationWritesNothing()
{
    const std::string sku = testservices::uniqueSku("gui-confirm");
    m_service->addProduct(sku, "Confirm", 165);
    showOnly(sku);
    setForm(QStringLiteral("adjust"), QStringLiteral("50"), QStringLiteral("recount"));
    const auto box = answerNextBox(QMessageBox::No);
    clickApply();
    QVERIFY(box->seen);
    QVERIFY2(box->text.contains(QLatin1String("more than half")), qPrintable(box->text));
    QTest::qWait(300);
    QCOMPARE(testservices::dbStock(*m_db, sku), 165);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 0LL);
}

void TestStockActionPanel::concurrentAdjustIsRefusedThenReapplied()
{
    const std::string sku = testservices::uniqueSku("gui-race");
    m_service->addProduct(sku, "Race", 44);
    showOnly(sku);
    const qint64 seen = dbVersion(sku);
    QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowAt(0)->dbVersion, seen, kWaitMs);

    // A web order through another app server, behind the panel's back.
    auto shop = testservices::makeService(inv::StrategyKind::Versioned);
    const inv::WriteResult order = shop->purchase(sku, 3, "web order 4032");
    // The operator adjusts from what the screen showed (44), before any refresh.
    setForm(QStringLiteral("adjust"), QStringLiteral("50"), QStringLiteral("shelf count"));
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().contains(QLatin1String("changed since you looked")),
                             kWaitMs);
    const QString text = m_page->resultText();
    QVERIFY2(text.contains(qs(sku)) && text.contains(QStringLiteral("44 → 41")) &&
                 text.contains(QLatin1String("purchase")) &&
                 text.contains(QStringLiteral("#%1").arg(order.auditId)),
             qPrintable(text));
    QCOMPARE(testservices::dbStock(*m_db, sku), 41);
    QCOMPARE(dbVersion(sku), seen + 1);
    QCOMPARE(testservices::auditTotals(*m_db, sku).rows, 1LL);

    auto *reapply = m_window->findChild<QPushButton *>(QStringLiteral("reapply"));
    QVERIFY(reapply && reapply->isVisible());
    QVERIFY2(reapply->text().contains(QLatin1String("41")), qPrintable(reapply->text()));
    reapply->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    QCOMPARE(testservices::dbStock(*m_db, sku), 50);
    QCOMPARE(dbVersion(sku), seen + 2);
    const auto totals = testservices::auditTotals(*m_db, sku);
    QCOMPARE(totals.rows, 2LL);
    QVERIFY(!reapply->isVisible());
}

void TestStockActionPanel::purchaseListsChangesInBetween()
{
    const std::string sku = testservices::uniqueSku("gui-between");
    m_service->addProduct(sku, "Between", 20);
    showOnly(sku);
    const qint64 seen = dbVersion(sku);
    QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowAt(0)->dbVersion, seen, kWaitMs);
    auto shop = testservices::makeService(inv::StrategyKind::Versioned);
    const inv::WriteResult order = shop->purchase(sku, 2, "web order");
    setForm(QStringLiteral("purchase"), QStringLiteral("1"), {});
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Done")), kWaitMs);
    const QString text = m_page->resultText();
    QVERIFY2(text.contains(QLatin1String("Changed since you looked")) &&
                 text.contains(QStringLiteral("#%1").arg(order.auditId)),
             qPrintable(text));
    QCOMPARE(testservices::dbStock(*m_db, sku), 17);
}

void TestStockActionPanel::downFromFilterMovesIntoTable()
{
    const std::string a = testservices::uniqueSku("gui-down");
    m_service->addProduct(a, "Down A", 5);
    m_service->addProduct(a + "-b", "Down B", 5);
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    m_page->view()->clearSelection();
    showOnly(a, 2);
    m_page->view()->clearSelection();
    m_filter->setFocus();
    QVERIFY(m_filter->hasFocus());
    QTest::keyClick(m_filter, Qt::Key_Down);
    QVERIFY(m_page->view()->hasFocus());
    QCOMPARE(m_page->selectedSku(), qs(a));
}

void TestStockActionPanel::singleMatchIsSelected()
{
    const std::string sku = testservices::uniqueSku("gui-single");
    m_service->addProduct(sku, "Single", 5);
    m_page->view()->clearSelection();
    m_filter->setText(qs(sku));
    QTRY_COMPARE_WITH_TIMEOUT(m_page->selectedSku(), qs(sku), kWaitMs);
}

void TestStockActionPanel::ctrlEnterWithNothingSelectedSaysWhy()
{
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    const std::string sku = testservices::uniqueSku("gui-nothing");
    m_filter->setText(qs(sku)); // matches nothing
    QTRY_COMPARE_WITH_TIMEOUT(m_page->model()->rowCount(), 0, kWaitMs);
    QCOMPARE(m_page->selectedSku(), QString());
    m_filter->setFocus();
    QTest::keyClick(m_filter, Qt::Key_Return, Qt::ControlModifier);
    QVERIFY2(m_page->resultText().contains(QLatin1String("select a product")),
             qPrintable(m_page->resultText()));
}

void TestStockActionPanel::oneProductIsSingular()
{
    const std::string sku = testservices::uniqueSku("gui-one");
    m_service->addProduct(sku, "One", 5);
    showOnly(sku);
    auto *summary = m_window->findChild<QLabel *>(QStringLiteral("summary"));
    QVERIFY(summary);
    QTRY_COMPARE_WITH_TIMEOUT(summary->text(), QStringLiteral("1 product"), kWaitMs);
}

void TestStockActionPanel::invalidQuantityIsOneSentence()
{
    const std::string sku = testservices::uniqueSku("gui-sentence");
    m_service->addProduct(sku, "Sentence", 5);
    showOnly(sku);
    setForm(QStringLiteral("purchase"), QStringLiteral("0"), {});
    clickApply();
    QTRY_VERIFY_WITH_TIMEOUT(m_page->resultText().startsWith(QLatin1String("Invalid")), kWaitMs);
    const QString text = m_page->resultText();
    QCOMPARE(text.count(QRegularExpression(QStringLiteral("(?i)invalid"))), 1);
    QVERIFY2(text.contains(QLatin1String("Nothing was written")), qPrintable(text));
}

void TestStockActionPanel::skuColumnIsNotTruncatedAt1920()
{
    const std::string sku = testservices::uniqueSku("GUI-A-RATHER-LONG-SKU-NAME-1920");
    m_service->addProduct(sku, "Wide", 5);
    m_window->resize(1920, 1080);
    showOnly(sku);
    QTableView *view = m_page->view();
    QHeaderView *header = view->horizontalHeader();
    QTRY_VERIFY_WITH_TIMEOUT(header->sectionSize(InventoryModel::Sku) >=
                                 view->fontMetrics().horizontalAdvance(qs(sku)) + 6,
                             kWaitMs);
    // The spare width goes to the name, not to the last column.
    QVERIFY(header->sectionSize(InventoryModel::Name) > header->sectionSize(InventoryModel::Updated));
    m_window->resize(1280, 800);
}

void TestStockActionPanel::duplicateAddKeepsDialogOpen()
{
    const std::string existing = testservices::uniqueSku("gui-dup");
    m_service->addProduct(existing, "Existing", 5);
    QPushButton *add = nullptr;
    for (auto *button : m_window->findChildren<QPushButton *>())
        if (button->text() == QStringLiteral("Add product…"))
            add = button;
    QVERIFY(add);
    add->click();
    AddProductDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = m_window->findChild<AddProductDialog *>()) && dialog->isVisible(),
                             kWaitMs);
    dialog->findChild<QLineEdit *>(QStringLiteral("addSku"))->setText(qs(existing));
    dialog->findChild<QLineEdit *>(QStringLiteral("addName"))->setText(QStringLiteral("Typed name"));
    dialog->findChild<QLineEdit *>(QStringLiteral("addStock"))->setText(QStringLiteral("7"));
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(dialog->errorText().contains(QLatin1String("already exists")), kWaitMs);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->sku(), qs(existing));
    QCOMPARE(dialog->name(), QStringLiteral("Typed name"));
    QCOMPARE(dialog->stock(), QStringLiteral("7"));

    const std::string fresh = testservices::uniqueSku("gui-dup-new");
    QPointer<AddProductDialog> guard(dialog);
    dialog->findChild<QLineEdit *>(QStringLiteral("addSku"))->setText(qs(fresh));
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(!guard || !guard->isVisible(), kWaitMs);
    QCOMPARE(testservices::dbStock(*m_db, fresh), 7);
    QTRY_COMPARE_WITH_TIMEOUT(m_page->selectedSku(), qs(fresh), kWaitMs);
}

void TestStockActionPanel::cleanupTestCase()
{
    m_window.reset();
}

QTEST_MAIN(TestStockActionPanel)
#include "tst_stockactionpanel.moc"
