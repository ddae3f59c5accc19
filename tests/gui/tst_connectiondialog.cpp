// The Connect dialog against the real services, offscreen: Enter after Test connects instead of
// cancelling, a PostgreSQL error is shown whole, and a pasted URL fills the fields.
#include "connectiondialog.h"
#include "testservices.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

namespace {
constexpr int kWaitMs = 15000;

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}
} // namespace

class TestConnectionDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void enterAfterTestConnects();
    void postgresErrorIsShownWhole();
    void pastedUrlsFillTheFields();
};

void TestConnectionDialog::initTestCase()
{
    REQUIRE_SERVICES();
}

void TestConnectionDialog::enterAfterTestConnects()
{
    ConnectionDialog dialog;
    dialog.setConnection(qs(testservices::pgUrl()), qs(testservices::redisUrl()));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QPushButton *test = nullptr;
    for (auto *button : dialog.findChildren<QPushButton *>())
        if (button->text() == QStringLiteral("Test"))
            test = button;
    QVERIFY(test);
    test->setFocus();
    QTest::keyClick(test, Qt::Key_Space); // as an operator would press it
    auto *pg = dialog.findChild<QLabel *>(QStringLiteral("pgResult"));
    QTRY_VERIFY_WITH_TIMEOUT(pg->text().contains(u'✓') && test->isEnabled(), kWaitMs);
    QWidget *focus = QApplication::focusWidget();
    QVERIFY(focus);
    QTest::keyClick(focus, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isVisible(), kWaitMs);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(dialog.pgConninfo().contains(QLatin1String("dbname='inventory'")));
}

void TestConnectionDialog::postgresErrorIsShownWhole()
{
    ConnectionDialog dialog;
    // A database that does not exist on the real server: a long, precise error.
    dialog.setConnection(qs(testservices::pgUrl()), qs(testservices::redisUrl()));
    dialog.findChild<QLineEdit *>(QStringLiteral("url"))->clear();
    const auto edits = dialog.findChildren<QLineEdit *>();
    for (auto *edit : edits)
        if (edit->text() == QStringLiteral("inventory"))
            edit->setText(QStringLiteral("no_such_database_with_a_rather_long_name_for_the_error_message"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    const int width = dialog.width();
    dialog.test();
    auto *pg = dialog.findChild<QLabel *>(QStringLiteral("pgResult"));
    QTRY_VERIFY_WITH_TIMEOUT(pg->text().contains(u'✗'), kWaitMs);
    QTest::qWait(100);
    QVERIFY(pg->wordWrap());
    QVERIFY2(
        pg->text().contains(QLatin1String("no_such_database_with_a_rather_long_name_for_the_error_message")),
        qPrintable(pg->text()));
    // Every line of it fits in the label, and the dialog did not grow sideways.
    QVERIFY2(pg->height() >= pg->heightForWidth(pg->width()),
             qPrintable(QStringLiteral("label %1 px high, text needs %2")
                            .arg(pg->height())
                            .arg(pg->heightForWidth(pg->width()))));
    QCOMPARE(dialog.width(), width);
}

void TestConnectionDialog::pastedUrlsFillTheFields()
{
    ConnectionDialog dialog;
    auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("url"));
    QVERIFY(url);
    url->setText(
        QStringLiteral("  export INVENTORY_PG_URL='postgresql://inventory_app:s3cret@10.1.2.3:6543/stock'"));
    const QString conninfo = dialog.pgConninfo();
    QVERIFY2(conninfo.contains(QLatin1String("host='10.1.2.3'")) &&
                 conninfo.contains(QLatin1String("port=6543")) &&
                 conninfo.contains(QLatin1String("dbname='stock'")) &&
                 conninfo.contains(QLatin1String("user='inventory_app'")) &&
                 conninfo.contains(QLatin1String("password='s3cret'")),
             qPrintable(conninfo));
    url->setText(QStringLiteral("redis://10.1.2.3:7000"));
    QCOMPARE(dialog.redisUrl(), QStringLiteral("redis://10.1.2.3:7000"));
    // Both at once, as `sandbox status` prints them.
    QVERIFY(dialog.applyPastedUrls(QStringLiteral("postgresql://a@h1:1/d1\nredis://h2:2")));
    QVERIFY(dialog.pgConninfo().contains(QLatin1String("host='h1'")));
    QCOMPARE(dialog.redisUrl(), QStringLiteral("redis://h2:2"));
    QVERIFY(!dialog.applyPastedUrls(QStringLiteral("not a url")));
    // A Redis password goes to its masked field: the URL field shows none, nor does the pasted text.
    url->setText(QStringLiteral("export INVENTORY_REDIS_URL='redis://:s3cretR@h3:3'"));
    QCOMPARE(dialog.redisUrl(), QStringLiteral("redis://:s3cretR@h3:3"));
    QCOMPARE(dialog.redisUrl(false), QStringLiteral("redis://h3:3"));
    dialog.setConnection(QString(), QStringLiteral("redis://alice:s3cretU@h4:4/2"));
    QCOMPARE(dialog.redisUrl(), QStringLiteral("redis://alice:s3cretU@h4:4/2"));
    QCOMPARE(dialog.redisUrl(false), QStringLiteral("redis://alice@h4:4/2"));
    for (auto *edit : dialog.findChildren<QLineEdit *>())
        QVERIFY2(!edit->displayText().contains(QLatin1String("s3cret")), qPrintable(edit->objectName()));
}

QTEST_MAIN(TestConnectionDialog)
#include "tst_connectiondialog.moc"
