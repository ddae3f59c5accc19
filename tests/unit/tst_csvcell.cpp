// CsvCell: the one rule every CSV the program writes follows, so that a reason such as
// =HYPERLINK(...) opens in a spreadsheet as the text it is, never as a live formula.
#include "inventory/csvcell.h"

#include <QTest>

#include <string>

class TestCsvCell : public QObject
{
    Q_OBJECT

private slots:
    void text_data();
    void text();
};

void TestCsvCell::text_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("cell");
    QTest::newRow("plain") << QByteArray("web order #12") << QByteArray("web order #12");
    QTest::newRow("empty") << QByteArray("") << QByteArray("");
    QTest::newRow("comma and quotes")
        << QByteArray("shelf \"B-12\", top") << QByteArray("\"shelf \"\"B-12\"\", top\"");
    QTest::newRow("line break") << QByteArray("two\nlines") << QByteArray("\"two\nlines\"");
    QTest::newRow("semicolon") << QByteArray("a;b") << QByteArray("\"a;b\"");
    // OWASP's characters: a leading ' makes the spreadsheet show the text.
    QTest::newRow("=HYPERLINK") << QByteArray("=HYPERLINK(\"http://x.invalid\",\"click\")")
                                << QByteArray("\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"click\"\")\"");
    QTest::newRow("+cmd") << QByteArray("+cmd|'/c calc'!A0") << QByteArray("'+cmd|'/c calc'!A0");
    QTest::newRow("-formula") << QByteArray("-2+3") << QByteArray("'-2+3");
    QTest::newRow("@SUM") << QByteArray("@SUM(1+1)") << QByteArray("'@SUM(1+1)");
    QTest::newRow("tab") << QByteArray("\t=1+1") << QByteArray("\"'\t=1+1\"");
    QTest::newRow("carriage return") << QByteArray("\r=1+1") << QByteArray("\"'\r=1+1\"");
    QTest::newRow("formula after a separator") << QByteArray("ok,=1+1") << QByteArray("\"ok,=1+1\"");
    QTest::newRow("= inside") << QByteArray("a=b") << QByteArray("a=b");
    QTest::newRow("quote first") << QByteArray("'quoted") << QByteArray("'quoted");
}

void TestCsvCell::text()
{
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, cell);
    QCOMPARE(QByteArray::fromStdString(inv::CsvCell::text(value.toStdString())), cell);
    const char first = value.isEmpty() ? '\0' : value.front();
    QCOMPARE(inv::CsvCell::startsFormula(value.toStdString()),
             first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r');
}

QTEST_GUILESS_MAIN(TestCsvCell)
#include "tst_csvcell.moc"
