// File › Import stock count…: the preview lists each change and each refused line, Apply is offered
// only for a valid count, and applying writes one audit row per changed SKU. Real services.
#include "../testservices.h"

#include "mainwindow.h"
#include "stockcountdialog.h"
#include "stockcountmodel.h"

#include <QAbstractItemModelTester>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace Qt::Literals::StringLiterals;

class TestStockCountDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void refusedLinesDisableApply();
    void validCountApplies();

private:
    QString writeFile(const QString &name, const std::string &bytes);
    // Saves the dialog for the docs when INVENTORY_SCREENSHOT_DIR is set (scripts/screenshots.sh).
    void screenshot(QWidget *dialog, const QString &name);

    QTemporaryDir m_dir;
    std::unique_ptr<inv::PgConnection> m_db;
    std::unique_ptr<inv::InventoryService> m_service;
    std::unique_ptr<MainWindow> m_window;
};

void TestStockCountDialog::initTestCase()
{
    REQUIRE_SERVICES();
    QStandardPaths::setTestModeEnabled(true);
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    StartOptions options;
    options.pg = QString::fromStdString(testservices::pgUrl());
    options.redis = QString::fromStdString(testservices::redisUrl());
    options.page = u"inventory"_s;
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1280, 800);
    m_window->show();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->health().pgUp, 10000);
}

QString TestStockCountDialog::writeFile(const QString &name, const std::string &bytes)
{
    const QString path = m_dir.filePath(name);
    std::ofstream(path.toStdString(), std::ios::binary) << bytes;
    return path;
}

void TestStockCountDialog::screenshot(QWidget *dialog, const QString &name)
{
    const QString dir = qEnvironmentVariable("INVENTORY_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(dialog->grab().save(dir + u'/' + name));
}

void TestStockCountDialog::refusedLinesDisableApply()
{
    const std::string a = testservices::uniqueSku("gui-count");
    const std::string b = testservices::uniqueSku("gui-count");
    m_service->addProduct(a, "Shelf A", 12);
    m_service->addProduct(b, "Shelf B", 30);
    const auto path = writeFile(u"shelf-count.csv"_s, "sku,counted,reason\n" + a + ",10,two damaged\n" + b +
                                                          ",3O\nSKU-DOES-NOT-EXIST,4\n" + a + ",11\n");
    auto *dialog = m_window->openStockCount(path);
    QVERIFY(dialog);
    QAbstractItemModelTester tester(dialog->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->summaryText().startsWith(u"Refused"_s), 10000);
    QVERIFY2(dialog->summaryText().contains(u"3 of the lines"_s), qPrintable(dialog->summaryText()));
    auto *model = dialog->model();
    QCOMPARE(model->rowCount(), 4);
    // The refused lines come first, each with its line number and reason.
    QCOMPARE(model->index(0, StockCountModel::Line).data().toInt(), 3);
    QVERIFY(model->index(0, StockCountModel::Status).data().toString().contains(u"invalid quantity '3O'"_s));
    QVERIFY(model->index(1, StockCountModel::Status).data().toString().contains(u"unknown SKU"_s));
    QVERIFY(model->index(2, StockCountModel::Status).data().toString().contains(u"first on line 2"_s));
    QCOMPARE(model->index(3, StockCountModel::Change).data().toString(), u"-2"_s);
    QVERIFY(!dialog->findChild<QPushButton *>(u"applyCount"_s)->isEnabled());
    screenshot(dialog, u"import-refused.png"_s);
    dialog->close();
    QCOMPARE(testservices::dbStock(*m_db, a), 12);
    QCOMPARE(testservices::auditTotals(*m_db, a).rows, 0LL);
}

void TestStockCountDialog::validCountApplies()
{
    std::string csv = "sku,counted,reason\n";
    std::vector<std::string> skus;
    for (int i = 0; i < 12; ++i) {
        skus.push_back(testservices::uniqueSku("gui-count-ok"));
        m_service->addProduct(skus.back(), "Shelf " + std::to_string(i), 20 + i);
        csv += skus.back() + "," + std::to_string(i % 3 == 0 ? 20 + i : 25) +
               (i == 1 ? ",found in returns" : "") + "\n";
    }
    auto *dialog = m_window->openStockCount(writeFile(u"weekly-count.csv"_s, csv));
    QVERIFY(dialog);
    auto *apply = dialog->findChild<QPushButton *>(u"applyCount"_s);
    QTRY_VERIFY_WITH_TIMEOUT(apply->isEnabled(), 10000);
    QVERIFY2(dialog->summaryText().contains(u"7 to adjust"_s), qPrintable(dialog->summaryText()));
    screenshot(dialog, u"import-preview.png"_s);
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->summaryText().startsWith(u"Applied"_s), 10000);
    QVERIFY(!apply->isEnabled()); // a second click cannot apply it twice
    long long rows = 0;
    for (std::size_t i = 0; i < skus.size(); ++i) {
        QCOMPARE(testservices::dbStock(*m_db, skus[i]), i % 3 == 0 ? 20 + static_cast<int>(i) : 25);
        rows += testservices::auditTotals(*m_db, skus[i]).rows;
    }
    QCOMPARE(rows, 7LL);
    const auto reason = m_db->exec("SELECT reason FROM inventory_audit WHERE sku = $1", {skus[1]});
    QCOMPARE(reason.text(0, 0), std::string("stock count weekly-count.csv: found in returns"));
    dialog->close();
}

QTEST_MAIN(TestStockCountDialog)
#include "tst_stockcountdialog.moc"
