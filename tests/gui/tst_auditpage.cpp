// The audit-log page against the real PostgreSQL: rows seeded through the engine must show newest
// first, each filter must narrow them to exactly what the database counts, pages must arrive lazily,
// the CSV export must hold every filtered row and the chart one point per audit row.
#include "auditloader.h"
#include "auditlogmodel.h"
#include "auditpage.h"
#include "stockhistorychart.h"
#include "testservices.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Each holds the run's tag, so that the reason filter of the export finds it.
QStringList formulaReasons(const QString &tag)
{
    return {u"=HYPERLINK(\"http://x.invalid/?%1\",\"open\")"_s.arg(tag), u"+cmd|' /C calc'!A0 %1"_s.arg(tag),
            u"@SUM(1+1) %1"_s.arg(tag), u"-2+3 %1"_s.arg(tag)};
}

constexpr int kBigRows = 1250; // more than two pages of 500
// Generous: the machine may be busy with builds and load generators while the tests run.
constexpr int kWaitMs = 20000;

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

// A loader in its own thread, as the page runs it, for testing the model on its own.
struct LoaderThread
{
    QThread thread;
    AuditLoader *loader = new AuditLoader;

    LoaderThread()
    {
        loader->setConninfo(qs(testservices::pgUrl()));
        loader->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, loader, &QObject::deleteLater);
        thread.start();
    }
    ~LoaderThread()
    {
        thread.quit();
        thread.wait();
    }
};

// True once the model holds the first page for the filter the widgets show.
bool settled(const AuditPage &page)
{
    return page.model()->filter() == page.currentFilter() && !page.model()->isLoading();
}

} // namespace

class TestAuditPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void modelTesterWhileLoadingAndResetting();
    void newestFirst();
    void filters_data();
    void filters();
    void whoFilter();
    void timeRangeFilter();
    void lazyLoading();
    void csvExport();
    void chartFollowsSelection();
    void unreachableDatabaseIsAMessage();
    void throughPgBouncerTransactionPooling();
    void renders();

private:
    long long count(const QString &sku, const QString &action, const QString &reasonText,
                    const QString &actor);
    std::unique_ptr<AuditPage> openPage();

    std::unique_ptr<inv::InventoryService> m_service;
    std::unique_ptr<inv::PgConnection> m_db;
    QString m_sku;
    QString m_otherSku;
    QString m_bigSku;
    QString m_tag;            // in every reason this run writes, so that reason filters see only our rows
    QStringList m_skuReasons; // m_sku's reasons, oldest first
};

void TestAuditPage::initTestCase()
{
    REQUIRE_SERVICES();
    QApplication::setStyle(u"Fusion"_s);
    m_service = testservices::makeService(inv::StrategyKind::Versioned);
    m_db = std::make_unique<inv::PgConnection>(testservices::pgUrl());
    m_sku = qs(testservices::uniqueSku("AUDIT"));
    m_otherSku = qs(testservices::uniqueSku("AUDIT"));
    m_bigSku = qs(testservices::uniqueSku("AUDIT-BIG"));
    m_tag = u"zq"_s + m_sku.section(u'-', 1, 1) + u"x"_s;

    m_service->addProduct(m_sku.toStdString(), "Audit page test", 100);
    m_service->addProduct(m_otherSku.toStdString(), "Audit page test, second", 50);
    m_service->addProduct(m_bigSku.toStdString(), "Audit page test, many rows", 0);

    const auto write = [&](const QString &sku, const QString &action, int quantity, const QString &reason) {
        const std::string s = sku.toStdString();
        const std::string r = reason.toStdString();
        if (action == "purchase"_L1)
            m_service->purchase(s, quantity, r);
        else if (action == "restock"_L1)
            m_service->restock(s, quantity, r);
        else
            m_service->adjust(s, quantity, r);
        if (sku == m_sku)
            m_skuReasons << reason;
    };
    for (int i = 1; i <= 5; ++i)
        write(m_sku, u"purchase"_s, i, u"%1 web order #%2"_s.arg(m_tag).arg(i));
    for (int i = 1; i <= 3; ++i)
        write(m_sku, u"restock"_s, 10 * i, u"%1 supplier delivery PO-%2"_s.arg(m_tag).arg(i));
    write(m_sku, u"adjust"_s, 120, u"%1 cycle count, shelf \"B-12\""_s.arg(m_tag));
    // Only escaping tells these two apart: unescaped, "50% off_" would match both.
    write(m_sku, u"purchase"_s, 2, u"%1 promo 50% off_A"_s.arg(m_tag));
    write(m_sku, u"purchase"_s, 2, u"%1 promo 50X off_A"_s.arg(m_tag));
    write(m_sku, u"purchase"_s, 1,
          u"%1 a long reason: "_s.arg(m_tag) + QString(u"lorem ipsum "_s).repeated(8));

    write(m_otherSku, u"purchase"_s, 3, u"%1 web order #100"_s.arg(m_tag));
    write(m_otherSku, u"restock"_s, 7, u"%1 supplier delivery PO-100"_s.arg(m_tag));
    write(m_otherSku, u"purchase"_s, 1, u"%1 web order #101"_s.arg(m_tag));
    // Reasons a spreadsheet would run as formulas: the export must neutralise them.
    for (const QString &formula : formulaReasons(m_tag))
        write(m_otherSku, u"restock"_s, 1, formula);

    for (int i = 1; i <= kBigRows; ++i)
        m_service->restock(m_bigSku.toStdString(), 1, "bulk receiving " + std::to_string(i));
    QCOMPARE(testservices::auditTotals(*m_db, m_bigSku.toStdString()).rows, kBigRows);
}

long long TestAuditPage::count(const QString &sku, const QString &action, const QString &reasonText,
                               const QString &actor)
{
    // The oracle matches the reason with strpos, not LIKE: it shares nothing with the page's escaping.
    const auto param = [](const QString &v) {
        return v.isEmpty() ? inv::PgParam() : inv::PgParam(v.toStdString());
    };
    auto result = m_db->exec("SELECT count(*) FROM inventory_audit WHERE ($1::text IS NULL OR sku = $1) "
                             "AND ($2::text IS NULL OR action = $2) "
                             "AND ($3::text IS NULL OR strpos(lower(reason), lower($3)) > 0) "
                             "AND ($4::text IS NULL OR actor = $4)",
                             {param(sku), param(action), param(reasonText), param(actor)});
    return result.int64(0, 0);
}

std::unique_ptr<AuditPage> TestAuditPage::openPage()
{
    auto page = std::make_unique<AuditPage>();
    page->setDatabase(qs(testservices::pgUrl()));
    return page;
}

void TestAuditPage::modelTesterWhileLoadingAndResetting()
{
    LoaderThread worker;
    AuditLogModel model;
    model.attach(worker.loader);
    // The tester calls fetchMore after every change, so this walks every page of the filter.
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    AuditFilter big;
    big.sku = m_bigSku;
    model.setFilter(big);
    QTRY_VERIFY_WITH_TIMEOUT(model.isComplete() && !model.isLoading(), kWaitMs);
    QCOMPARE(model.rowCount(), kBigRows);
    for (int row = 1; row < model.rowCount(); ++row)
        QVERIFY(model.row(row).id < model.row(row - 1).id); // no page twice

    AuditFilter small;
    small.sku = m_sku;
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setFilter(small);
    QTRY_VERIFY_WITH_TIMEOUT(model.isComplete() && !model.isLoading(), kWaitMs);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.rowCount(), m_skuReasons.size());

    model.reload();
    QTRY_VERIFY_WITH_TIMEOUT(resets.count() == 2 && !model.isLoading(), kWaitMs);
    QCOMPARE(model.rowCount(), m_skuReasons.size());
    for (int row = 0; row < model.rowCount(); ++row)
        for (int column = 0; column < model.columnCount(); ++column)
            QVERIFY(model.index(row, column).data().isValid());
}

void TestAuditPage::newestFirst()
{
    auto page = openPage();
    page->showSku(m_sku);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() > 0, kWaitMs);
    AuditLogModel *model = page->model();
    QCOMPARE(model->rowCount(), m_skuReasons.size());
    for (int row = 0; row < model->rowCount(); ++row) {
        // Newest first: the last reason written is on top.
        QCOMPARE(model->row(row).reason, m_skuReasons.at(m_skuReasons.size() - 1 - row));
        QCOMPARE(model->row(row).sku, m_sku);
        if (row > 0) {
            QVERIFY(model->row(row).id < model->row(row - 1).id);
            QVERIFY(model->row(row).atIso <= model->row(row - 1).atIso);
        }
    }
    // Numbers right-aligned, actions coloured, long reasons in a tooltip.
    const QModelIndex quantity = model->index(0, AuditLogModel::Quantity);
    QCOMPARE(quantity.data(Qt::TextAlignmentRole).toInt() & Qt::AlignHorizontal_Mask, int(Qt::AlignRight));
    QVERIFY(model->index(0, AuditLogModel::Action).data(Qt::ForegroundRole).isValid());
    QVERIFY(
        model->index(0, AuditLogModel::Reason).data(Qt::ToolTipRole).toString().contains(u"lorem ipsum"_s));
    QCOMPARE(model->index(0, AuditLogModel::Sku).data().toString(), m_sku);
}

void TestAuditPage::filters_data()
{
    QTest::addColumn<QString>("sku"); // "main", "other" or empty
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("reason"); // appended after the run's tag when not empty
    QTest::addColumn<QString>("actor");

    QTest::newRow("sku") << u"main"_s << QString() << QString() << QString();
    QTest::newRow("other sku") << u"other"_s << QString() << QString() << QString();
    QTest::newRow("sku, purchases") << u"main"_s << u"purchase"_s << QString() << QString();
    QTest::newRow("sku, restocks") << u"main"_s << u"restock"_s << QString() << QString();
    QTest::newRow("sku, adjustments") << u"main"_s << u"adjust"_s << QString() << QString();
    QTest::newRow("reason, both skus") << QString() << QString() << u" WEB ORDER"_s << QString();
    QTest::newRow("reason and action") << QString() << u"restock"_s << u" supplier"_s << QString();
    QTest::newRow("reason, % and _ literal") << QString() << QString() << u" promo 50% off_"_s << QString();
    QTest::newRow("reason, quote and comma")
        << u"main"_s << QString() << u" cycle count, shelf \"B"_s << QString();
    QTest::newRow("sku and actor") << u"main"_s << QString() << QString() << u"inventory"_s;
    QTest::newRow("nobody") << u"main"_s << QString() << QString() << u"nobody-at-all"_s;
}

void TestAuditPage::filters()
{
    QFETCH(QString, sku);
    QFETCH(QString, action);
    QFETCH(QString, reason);
    QFETCH(QString, actor);
    const QString skuValue = sku == "main"_L1 ? m_sku : sku == "other"_L1 ? m_otherSku : QString();
    const QString reasonValue = reason.isEmpty() ? QString() : m_tag + reason;
    if (actor == "inventory"_L1) // the person who made this run's changes: user@host
        actor =
            qs(m_db->exec("SELECT actor FROM inventory_audit WHERE sku = $1 LIMIT 1", {m_sku.toStdString()})
                   .text(0, 0));

    auto page = openPage();
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    // Typed as an operator would: the debounce applies the filter once the typing stops.
    QTest::keyClicks(page->findChild<QLineEdit *>(u"skuFilter"_s), skuValue);
    QTest::keyClicks(page->findChild<QLineEdit *>(u"reasonFilter"_s), reasonValue);
    QTest::keyClicks(page->findChild<QLineEdit *>(u"actorFilter"_s), actor);
    auto *actions = page->findChild<QComboBox *>(u"actionFilter"_s);
    actions->setCurrentIndex(action.isEmpty() ? 0 : actions->findText(action));
    QCOMPARE(page->currentFilter().sku, skuValue);
    QCOMPARE(page->currentFilter().reasonText, reasonValue);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);

    const long long expected = count(skuValue, action, reasonValue, actor);
    const long long all = count(skuValue, QString(), reasonValue.isEmpty() ? m_tag : reasonValue, QString());
    AuditLogModel *model = page->model();
    QVERIFY2(model->isComplete(), "every case fits in one page");
    QCOMPARE(model->rowCount(), int(expected));
    if (QByteArrayView(QTest::currentDataTag()) != "nobody")
        QVERIFY(expected > 0);
    QVERIFY(expected <= all);
    for (int row = 0; row < model->rowCount(); ++row) {
        const AuditRow &r = model->row(row);
        if (!skuValue.isEmpty())
            QCOMPARE(r.sku, skuValue);
        if (!action.isEmpty())
            QCOMPARE(r.action, action);
        if (!reasonValue.isEmpty())
            QVERIFY2(r.reason.contains(reasonValue, Qt::CaseInsensitive), qPrintable(r.reason));
    }
    if (QByteArrayView(QTest::currentDataTag()) == "reason, % and _ literal")
        QCOMPARE(expected, 1);
}

void TestAuditPage::whoFilter()
{
    // A row a simulated buyer wrote into the operator's log (as runs did before they had a schema of
    // their own) is told apart from people's changes by its actor.
    const std::string simulated = testservices::uniqueSku("AUDIT-SIM");
    m_service->addProduct(simulated, "Audit page test, simulated", 50);
    testservices::appendAudit(*m_db, simulated, "adjust", 0,
                              QString(m_tag + u" simulated buyer"_s).toStdString(),
                              "sim:legacy/sim-legacy-1");
    auto page = openPage();
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    QTest::keyClicks(page->findChild<QLineEdit *>(u"reasonFilter"_s), m_tag);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    const int everyone = page->model()->rowCount();
    auto *who = page->findChild<QComboBox *>(u"whoFilter"_s);
    who->setCurrentIndex(2);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() == 1, kWaitMs);
    QVERIFY(page->model()->row(0).actor.startsWith(u"sim:"_s));
    who->setCurrentIndex(1);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() == everyone - 1, kWaitMs);
    for (int row = 0; row < page->model()->rowCount(); ++row)
        QVERIFY(!page->model()->row(row).actor.startsWith(u"sim:"_s));
}

void TestAuditPage::timeRangeFilter()
{
    auto page = openPage();
    page->showSku(m_sku);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() == m_skuReasons.size(), kWaitMs);
    // From the fourth-newest row on: three rows, unless they share its millisecond.
    const AuditRow pivot = page->model()->row(3);
    const QDateTime pivotAt = QDateTime::fromString(pivot.atIso, Qt::ISODateWithMs);
    QVERIFY(pivotAt.isValid());
    auto *from = page->findChild<QDateTimeEdit *>(u"fromEdit"_s);
    from->setDisplayFormat(u"yyyy-MM-dd HH:mm:ss.zzz"_s);
    from->setDateTime(pivotAt.toLocalTime().addMSecs(1));
    page->findChild<QCheckBox *>(u"fromEnabled"_s)->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    const auto expected =
        m_db->exec("SELECT count(*) FROM inventory_audit WHERE sku = $1 AND at >= $2::timestamptz",
                   {m_sku.toStdString(),
                    page->currentFilter().from.toUTC().toString(Qt::ISODateWithMs).toStdString()})
            .int64(0, 0);
    QCOMPARE(page->model()->rowCount(), int(expected));
    QVERIFY(expected < m_skuReasons.size());

    page->findChild<QCheckBox *>(u"toEnabled"_s)->setChecked(true);
    page->findChild<QDateTimeEdit *>(u"toEdit"_s)->setDateTime(pivotAt.toLocalTime().addSecs(-3600));
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    QCOMPARE(page->model()->rowCount(), 0); // to before from
}

void TestAuditPage::lazyLoading()
{
    LoaderThread worker;
    AuditLogModel model;
    model.attach(worker.loader);
    AuditFilter filter;
    filter.sku = m_bigSku;
    QSignalSpy pages(&model, &AuditLogModel::pageArrived);
    model.setFilter(filter);
    QTRY_COMPARE_WITH_TIMEOUT(pages.count(), 1, kWaitMs);
    QCOMPARE(model.rowCount(), AuditLogModel::kDefaultPageSize);
    QVERIFY(model.canFetchMore(QModelIndex()));
    QTest::qWait(200);
    QCOMPARE(model.rowCount(), AuditLogModel::kDefaultPageSize); // nothing more until asked

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.fetchMore(QModelIndex());
    model.fetchMore(QModelIndex()); // a second call while one page is in flight is ignored
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2 * AuditLogModel::kDefaultPageSize, kWaitMs);
    QCOMPARE(inserted.count(), 1);
    model.fetchMore(QModelIndex());
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), kBigRows, kWaitMs);
    QVERIFY(!model.canFetchMore(QModelIndex()));
    QVERIFY(model.isComplete());

    // Keyset pages join without a gap or an overlap.
    QCOMPARE(testservices::auditTotals(*m_db, m_bigSku.toStdString()).rows, model.rowCount());
    for (int row = 1; row < model.rowCount(); ++row)
        QVERIFY(model.row(row).id < model.row(row - 1).id);
    QCOMPARE(model.row(0).reason, u"bulk receiving %1"_s.arg(kBigRows));
    QCOMPARE(model.row(kBigRows - 1).reason, u"bulk receiving 1"_s);

    // The page's own model starts with one page as well.
    auto page = openPage();
    page->showSku(m_bigSku);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() > 0, kWaitMs);
    QCOMPARE(page->model()->rowCount(), AuditLogModel::kDefaultPageSize);
    QVERIFY(page->model()->canFetchMore(QModelIndex()));
}

void TestAuditPage::csvExport()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto page = openPage();
    QTest::keyClicks(page->findChild<QLineEdit *>(u"reasonFilter"_s), m_tag);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);

    const QString path = dir.filePath(u"audit.csv"_s);
    QSignalSpy finished(page.get(), &AuditPage::exportFinished);
    QVERIFY(page->exportCsv(path));
    QVERIFY(!page->exportCsv(path)); // one export at a time
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kWaitMs);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(2).toString()));
    const long long expected = count(QString(), QString(), m_tag, QString());
    QCOMPARE(finished.at(0).at(1).toLongLong(), expected);

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.last(), QByteArray()); // ends with a newline
    QCOMPARE(lines.size() - 1, 1 + expected);
    QCOMPARE(lines.first(),
             "id,at,sku,action,quantity,stock_before,stock_after,version,actor,server_id,reason");
    bool sawQuoted = false;
    for (const QByteArray &line : lines)
        sawQuoted |= line.endsWith("cycle count, shelf \"\"B-12\"\"\"");
    QVERIFY2(sawQuoted, "a reason with a comma and quotes is quoted as RFC 4180 says");
    // A formula is written as text with a leading ', and the numbers beside it stay numbers.
    const QByteArray tag = m_tag.toUtf8();
    const QByteArray hyperlink = ",\"'=HYPERLINK(\"\"http://x.invalid/?" + tag + "\"\",\"\"open\"\")\"";
    const QList<QByteArray> neutralised{hyperlink, ",'+cmd|' /C calc'!A0 " + tag, ",'@SUM(1+1) " + tag,
                                        ",'-2+3 " + tag};
    for (const QByteArray &cell : neutralised) {
        const auto line =
            std::find_if(lines.begin(), lines.end(), [&](const QByteArray &l) { return l.endsWith(cell); });
        QVERIFY2(line != lines.end(), cell.constData());
        const QList<QByteArray> fields = line->split(',');
        QCOMPARE(fields.at(3), QByteArray("restock"));
        QCOMPARE(fields.at(4), QByteArray("1")); // the quantity, a number
    }
    for (const QByteArray &line : lines)
        for (const QByteArray &field : line.split(','))
            QVERIFY2(!field.startsWith('=') && !field.startsWith('+') && !field.startsWith('@') &&
                         !field.startsWith("\"="),
                     line.constData());

    // A large export, over the lazily loaded log, writes every row, not just the loaded page.
    page->showSku(m_bigSku);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page), kWaitMs);
    QCOMPARE(page->model()->rowCount(), AuditLogModel::kDefaultPageSize);
    const QString bigPath = dir.filePath(u"big.csv"_s);
    QVERIFY(page->exportCsv(bigPath));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kWaitMs);
    QVERIFY(finished.at(1).at(0).toBool());
    QFile big(bigPath);
    QVERIFY(big.open(QIODevice::ReadOnly | QIODevice::Text));
    QCOMPARE(big.readAll().count('\n'), 1 + kBigRows);
}

void TestAuditPage::chartFollowsSelection()
{
    auto page = openPage();
    page->showSku(m_sku);
    StockHistoryChart *chart = page->chart();
    const auto rows = testservices::auditTotals(*m_db, m_sku.toStdString()).rows;
    // With nothing selected, the chart follows the SKU filter.
    QTRY_COMPARE_WITH_TIMEOUT(chart->sku(), m_sku, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(chart->sampleCount(), rows, kWaitMs);
    QCOMPARE(chart->samples().constLast().y(), double(testservices::dbStock(*m_db, m_sku.toStdString())));
    for (qsizetype i = 1; i < chart->samples().size(); ++i)
        QVERIFY(chart->samples().at(i).x() >= chart->samples().at(i - 1).x());

    // Selecting a row of another SKU switches the chart to it.
    page->findChild<QLineEdit *>(u"skuFilter"_s)->clear();
    QTest::keyClicks(page->findChild<QLineEdit *>(u"reasonFilter"_s), m_tag + u" web order #10"_s);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() > 0, kWaitMs);
    int otherRow = -1;
    for (int row = 0; row < page->model()->rowCount(); ++row)
        if (page->model()->row(row).sku == m_otherSku)
            otherRow = row;
    QVERIFY(otherRow >= 0);
    page->tableView()->setCurrentIndex(page->model()->index(otherRow, AuditLogModel::Reason));
    QTRY_COMPARE_WITH_TIMEOUT(chart->sku(), m_otherSku, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(chart->sampleCount(),
                              testservices::auditTotals(*m_db, m_otherSku.toStdString()).rows, kWaitMs);
    QCOMPARE(chart->samples().constLast().y(),
             double(testservices::dbStock(*m_db, m_otherSku.toStdString())));
}

void TestAuditPage::throughPgBouncerTransactionPooling()
{
    // PgBouncer in transaction pooling (./test.sh starts it): each query may run on another server
    // session, so the page names no statement and quotes its values itself; a quote typed into a
    // filter is a value, not SQL.
    const std::string url = testservices::env("INVENTORY_PGBOUNCER_TX_URL");
    if (url.empty()) {
        if (testservices::servicesRequired())
            QFAIL("INVENTORY_PGBOUNCER_TX_URL must be set (./test.sh sets it)");
        QSKIP("no PgBouncer configured: run ./test.sh");
    }
    AuditPage page;
    QSignalSpy messages(&page, &AuditPage::statusMessage);
    page.setDatabase(qs(url));
    QTRY_VERIFY_WITH_TIMEOUT(settled(page), kWaitMs);
    // The server session the page used last is the next client's (PgBouncer hands out the most
    // recently used first): what Qt's driver set there as it opened is gone.
    QCOMPARE(inv::PgConnection(url).exec("SHOW bytea_output").text(0, 0), std::string("hex"));
    auto *skuFilter = page.findChild<QLineEdit *>(u"skuFilter"_s);
    // Before each query another client opens a transaction, and keeps the server session the page
    // used last (PgBouncer hands out the most recently used one first): the next query runs on
    // another session.
    std::vector<std::unique_ptr<inv::PgConnection>> holders;
    for (int round = 0; round < 3; ++round) {
        for (const QString &sku : {m_sku, m_otherSku}) {
            holders.push_back(std::make_unique<inv::PgConnection>(url));
            holders.back()->begin();
            skuFilter->clear();
            QTest::keyClicks(skuFilter, sku);
            QTRY_VERIFY_WITH_TIMEOUT(settled(page), kWaitMs);
            QCOMPARE(page.model()->rowCount(), int(count(sku, QString(), QString(), QString())));
        }
    }
    skuFilter->clear();
    QTest::keyClicks(page.findChild<QLineEdit *>(u"reasonFilter"_s), m_tag + u"it's"_s);
    QTRY_VERIFY_WITH_TIMEOUT(settled(page), kWaitMs);
    QCOMPARE(page.model()->rowCount(), 0);
    for (const auto &message : messages)
        QVERIFY2(!message.constFirst().toString().contains(u"failed"_s),
                 qPrintable(message.constFirst().toString()));
}

void TestAuditPage::unreachableDatabaseIsAMessage()
{
    AuditPage page;
    QSignalSpy messages(&page, &AuditPage::statusMessage);
    // Port 1 on the loopback refuses at once: no server listens there.
    page.setDatabase(u"postgresql://nobody@127.0.0.1:1/nothing"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!messages.isEmpty(), kWaitMs);
    QVERIFY2(messages.constFirst().constFirst().toString().startsWith(u"cannot reach PostgreSQL: "_s),
             qPrintable(messages.constFirst().constFirst().toString()));
    QTRY_VERIFY_WITH_TIMEOUT(!page.model()->isLoading(), kWaitMs);
    QCOMPARE(page.model()->rowCount(), 0);
    QVERIFY(page.statusText().contains(u"retries when you refresh"_s));
    page.refresh(); // retrying while still down stays a message
    QTRY_VERIFY_WITH_TIMEOUT(!page.model()->isLoading(), kWaitMs);

    // Reconnecting to the real server brings the rows.
    page.setDatabase(qs(testservices::pgUrl()));
    page.showSku(m_sku);
    QTRY_VERIFY_WITH_TIMEOUT(settled(page) && page.model()->rowCount() == m_skuReasons.size(), kWaitMs);
    QVERIFY(!page.statusText().contains(u"cannot reach"_s));

    QCOMPARE(AuditLoader::parseConninfo(u"host=db port=x"_s).isValid(), false);
    const PgConnectionFields fields =
        AuditLoader::parseConninfo(u"postgresql://u:p%20w@h:5433/d?sslmode=disable&application_name=a%20b"_s);
    QVERIFY(fields.isValid());
    QCOMPARE(fields.host, u"h"_s);
    QCOMPARE(fields.port, 5433);
    QCOMPARE(fields.databaseName, u"d"_s);
    QCOMPARE(fields.userName, u"u"_s);
    QCOMPARE(fields.password, u"p w"_s);
    QVERIFY(fields.connectOptions.contains(u"sslmode=disable"_s));
    QVERIFY(fields.connectOptions.contains(u"application_name='a b'"_s));
    QCOMPARE(AuditLoader::escapeLike(u"50%_a\\b"_s), u"50\\%\\_a\\\\b"_s);
}

void TestAuditPage::renders()
{
    auto page = openPage();
    page->resize(1200, 750);
    page->show();
    QVERIFY(QTest::qWaitForWindowExposed(page.get()));
    QTest::keyClicks(page->findChild<QLineEdit *>(u"reasonFilter"_s), m_tag);
    QTRY_VERIFY_WITH_TIMEOUT(settled(*page) && page->model()->rowCount() > 0, kWaitMs);
    page->tableView()->selectRow(0);
    QTRY_COMPARE_WITH_TIMEOUT(page->chart()->sku(), page->model()->row(0).sku, kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(page->chart()->sampleCount() > 0, kWaitMs);
    const QImage image = page->grab().toImage();
    QCOMPARE(image.size(), QSize(1200, 750) * image.devicePixelRatio());
    const QString shot = qEnvironmentVariable("INVENTORY_AUDIT_SCREENSHOT");
    if (!shot.isEmpty())
        QVERIFY(image.save(shot));
}

QTEST_MAIN(TestAuditPage)
#include "tst_auditpage.moc"
