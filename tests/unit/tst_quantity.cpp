// Quantity: the input checks that the CLI, the UI and the service share, so all three refuse the same
// quantities and SKUs with the same words before anything is written.
#include "errors.h"
#include "inventory/quantity.h"

#include <QTest>

#include <climits>
#include <string>

class TestQuantity : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void check_data();
    void check();
    void checkSku_data();
    void checkSku();
    void checkName_data();
    void checkName();
    void checkText_data();
    void checkText();
    void printable_data();
    void printable();
    void printableJson();
};

void TestQuantity::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("allowZero");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<int>("expected");
    // For refusals: a part of the message that tells the user what is wrong.
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("1") << QByteArray("1") << false << true << 1 << QByteArray();
    QTest::newRow("42") << QByteArray("42") << false << true << 42 << QByteArray();
    QTest::newRow("1000000") << QByteArray("1000000") << false << true << 1000000 << QByteArray();
    QTest::newRow("0") << QByteArray("0") << false << false << 0 << QByteArray("1 to 1000000");
    QTest::newRow("-1") << QByteArray("-1") << false << false << 0 << QByteArray("negative");
    QTest::newRow("1000001") << QByteArray("1000001") << false << false << 0
                             << QByteArray("above the limit of 1000000");
    QTest::newRow("abc") << QByteArray("abc") << false << false << 0 << QByteArray("invalid quantity 'abc'");
    QTest::newRow("empty") << QByteArray("") << false << false << 0 << QByteArray("missing");
    QTest::newRow("1.5") << QByteArray("1.5") << false << false << 0 << QByteArray("invalid quantity '1.5'");
    QTest::newRow("1e3") << QByteArray("1e3") << false << false << 0 << QByteArray("invalid quantity '1e3'");
    QTest::newRow("sign only") << QByteArray("-") << false << false << 0
                               << QByteArray("invalid quantity '-'");
    QTest::newRow("leading space") << QByteArray(" 5") << false << false << 0 << QByteArray("whole number");
    QTest::newRow("trailing space") << QByteArray("5 ") << false << false << 0 << QByteArray("whole number");
    QTest::newRow("20 digits") << QByteArray("99999999999999999999") << false << false << 0
                               << QByteArray("out of range");
    QTest::newRow("INT_MAX + 1") << QByteArray("2147483648") << false << false << 0
                                 << QByteArray("above the limit of 1000000");
    QTest::newRow("INT_MIN - 1") << QByteArray("-2147483649") << false << false << 0
                                 << QByteArray("negative");
    QTest::newRow("zero allowed: 0") << QByteArray("0") << true << true << 0 << QByteArray();
    QTest::newRow("zero allowed: 1000000")
        << QByteArray("1000000") << true << true << 1000000 << QByteArray();
    QTest::newRow("zero allowed: -1") << QByteArray("-1") << true << false << 0 << QByteArray("0 to 1000000");
    QTest::newRow("zero allowed: 1000001")
        << QByteArray("1000001") << true << false << 0 << QByteArray("above the limit");
    QTest::newRow("zero allowed: empty")
        << QByteArray("") << true << false << 0 << QByteArray("0 to 1000000");
}

void TestQuantity::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, allowZero);
    QFETCH(bool, accepted);
    QFETCH(int, expected);
    QFETCH(QByteArray, reason);

    try {
        const int value = inv::Quantity::parse(text.toStdString(), allowZero);
        QVERIFY2(accepted, "a quantity that should be refused was accepted");
        QCOMPARE(value, expected);
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(!accepted, e.what());
        QVERIFY2(QByteArray(e.what()).contains(reason), e.what());
    }
}

void TestQuantity::check_data()
{
    QTest::addColumn<qlonglong>("value");
    QTest::addColumn<bool>("allowZero");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("1") << 1LL << false << true;
    QTest::newRow("kMax") << qlonglong(inv::Quantity::kMax) << false << true;
    QTest::newRow("kMax + 1") << qlonglong(inv::Quantity::kMax) + 1 << false << false;
    QTest::newRow("0") << 0LL << false << false;
    QTest::newRow("0, zero allowed") << 0LL << true << true;
    QTest::newRow("-1, zero allowed") << -1LL << true << false;
    QTest::newRow("LLONG_MAX") << qlonglong(LLONG_MAX) << true << false;
    QTest::newRow("LLONG_MIN") << qlonglong(LLONG_MIN) << true << false;
}

void TestQuantity::check()
{
    QFETCH(qlonglong, value);
    QFETCH(bool, allowZero);
    QFETCH(bool, accepted);

    if (accepted)
        inv::Quantity::check(value, allowZero);
    else
        QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, inv::Quantity::check(value, allowZero));
}

void TestQuantity::checkSku_data()
{
    QTest::addColumn<QByteArray>("sku");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QByteArray>("reason");

    const QByteArray twoByte("\xc3\xa9"); // é
    const QByteArray utf8("UTF-8");

    QTest::newRow("1 byte") << QByteArray("A") << true << QByteArray();
    QTest::newRow("64 bytes") << QByteArray(64, 'x') << true << QByteArray();
    QTest::newRow("0 bytes") << QByteArray() << false << QByteArray("empty");
    QTest::newRow("65 bytes") << QByteArray(65, 'x') << false << QByteArray("65 bytes");
    QTest::newRow("32 two-byte characters") << twoByte.repeated(32) << true << QByteArray();
    QTest::newRow("33 two-byte characters") << twoByte.repeated(33) << false << QByteArray("66 bytes");
    QTest::newRow("3-byte character") << QByteArray("\xe2\x82\xac") << true << QByteArray();
    QTest::newRow("4-byte emoji") << QByteArray("box-\xf0\x9f\x93\xa6") << true << QByteArray();
    QTest::newRow("16 emoji (64 bytes)")
        << QByteArray("\xf0\x9f\x93\xa6").repeated(16) << true << QByteArray();
    QTest::newRow("lone 0xff") << QByteArray("\xff") << false << utf8;
    QTest::newRow("overlong slash") << QByteArray("\xc0\xaf") << false << utf8;
    QTest::newRow("overlong 3-byte") << QByteArray("\xe0\x80\xaf") << false << utf8;
    QTest::newRow("UTF-16 surrogate") << QByteArray("\xed\xa0\x80") << false << utf8;
    QTest::newRow("above U+10FFFF") << QByteArray("\xf4\x90\x80\x80") << false << utf8;
    QTest::newRow("lone continuation byte") << QByteArray("a\x80") << false << utf8;
    QTest::newRow("truncated 2-byte") << QByteArray("\xc3") << false << utf8;
    QTest::newRow("truncated 3-byte") << QByteArray("ab\xe2\x82") << false << utf8;
    QTest::newRow("lead byte before ASCII") << QByteArray("\xc3"
                                                          "a")
                                            << false << utf8;
    QTest::newRow("embedded NUL") << QByteArray("a\0b", 3) << false << utf8;
    QTest::newRow("quotes") << QByteArray("O'Brien \"XL\"") << true << QByteArray();
    QTest::newRow("spaces") << QByteArray("  two  words  ") << true << QByteArray();
    QTest::newRow("LIKE wildcards") << QByteArray("100%_off") << true << QByteArray();
    QTest::newRow("semicolon") << QByteArray("a;b") << true << QByteArray();
    QTest::newRow("SQL injection") << QByteArray("'; DROP TABLE inventory; --") << true << QByteArray();
    QTest::newRow("SQL keyword") << QByteArray("SELECT") << true << QByteArray();
    QTest::newRow("Redis hash tag braces") << QByteArray("{x}:y") << true << QByteArray();
    // Control characters would reach terminals, logs and the audit log as commands, not text.
    const QByteArray control("control character");
    QTest::newRow("terminal escape") << QByteArray("EVIL\x1b[31mRED") << false << control;
    QTest::newRow("tab") << QByteArray("a\tb") << false << control;
    QTest::newRow("newline") << QByteArray("a\nb") << false << control;
    QTest::newRow("carriage return") << QByteArray("a\rb") << false << control;
    QTest::newRow("bell (0x07)") << QByteArray("a\x07") << false << control;
    QTest::newRow("0x1f") << QByteArray("\x1f") << false << control;
    QTest::newRow("DEL (0x7f)") << QByteArray("a\x7f") << false << control;
    QTest::newRow("C1 CSI (U+009B)") << QByteArray("a\xc2\x9b"
                                                   "31m")
                                     << false << control;
    QTest::newRow("C1 U+0080") << QByteArray("\xc2\x80") << false << control;
    QTest::newRow("C1 U+009F") << QByteArray("\xc2\x9f") << false << control;
    QTest::newRow("U+00A0 is text") << QByteArray("a\xc2\xa0"
                                                  "b")
                                    << true << QByteArray();
    QTest::newRow("tilde (0x7e) is text") << QByteArray("a~b") << true << QByteArray();
}

void TestQuantity::checkSku()
{
    QFETCH(QByteArray, sku);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, reason);

    try {
        inv::Quantity::checkSku(sku.toStdString());
        QVERIFY2(accepted, "a SKU that should be refused was accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(!accepted, e.what());
        QVERIFY2(QByteArray(e.what()).contains(reason), e.what());
    }
}

void TestQuantity::checkName_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("plain") << QByteArray("Blue mug") << true << QByteArray();
    QTest::newRow("accents and emoji") << QByteArray("Caf\xc3\xa9 \xf0\x9f\x93\xa6") << true << QByteArray();
    QTest::newRow("200 bytes") << QByteArray(200, 'n') << true << QByteArray();
    QTest::newRow("201 bytes") << QByteArray(201, 'n') << false << QByteArray("200 bytes");
    QTest::newRow("empty") << QByteArray() << false << QByteArray("empty");
    QTest::newRow("invalid UTF-8") << QByteArray("bad \xff") << false << QByteArray("UTF-8");
    QTest::newRow("terminal escape") << QByteArray("x\x1b[2J") << false << QByteArray("control character");
    QTest::newRow("newline") << QByteArray("two\nlines") << false << QByteArray("control character");
    QTest::newRow("DEL") << QByteArray("x\x7f") << false << QByteArray("control character");
    QTest::newRow("C1 U+0085") << QByteArray("x\xc2\x85") << false << QByteArray("control character");
}

void TestQuantity::checkName()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, reason);

    try {
        inv::Quantity::checkName(name.toStdString());
        QVERIFY2(accepted, "a name that should be refused was accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(!accepted, e.what());
        QVERIFY2(QByteArray(e.what()).contains(reason), e.what());
    }
}

void TestQuantity::checkText_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("accepted");
    // For refusals: the option named, and the character named without being echoed.
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("plain") << QByteArray("srv-01") << true << QByteArray();
    QTest::newRow("empty") << QByteArray() << true << QByteArray();
    QTest::newRow("accents") << QByteArray("caf\xc3\xa9-1") << true << QByteArray();
    QTest::newRow("OSC title") << QByteArray("srv\x1b]0;PWNED\x07") << false
                               << QByteArray(
                                      "--server-id contains the control character U+001B (escape) at byte 4");
    QTest::newRow("bell") << QByteArray("a\x07") << false << QByteArray("U+0007 (bell) at byte 2");
    QTest::newRow("tab") << QByteArray("a\tb") << false << QByteArray("U+0009 (tab)");
    QTest::newRow("newline") << QByteArray("a\nb") << false << QByteArray("U+000A (line feed)");
    QTest::newRow("carriage return") << QByteArray("a\rb") << false << QByteArray("U+000D (carriage return)");
    QTest::newRow("DEL") << QByteArray("a\x7f") << false << QByteArray("U+007F (delete)");
    QTest::newRow("C1 CSI") << QByteArray("a\xc2\x9b[2J") << false << QByteArray("U+009B (CSI)");
    QTest::newRow("C1 NEL") << QByteArray("a\xc2\x85") << false << QByteArray("U+0085");
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << false << QByteArray("--server-id is not valid UTF-8");
    QTest::newRow("not UTF-8") << QByteArray("a\xff") << false
                               << QByteArray("--server-id is not valid UTF-8");
}

void TestQuantity::checkText()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, reason);

    try {
        inv::Quantity::checkText(text.toStdString(), "--server-id");
        QVERIFY2(accepted, "a text that should be refused was accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(!accepted, e.what());
        QVERIFY2(QByteArray(e.what()).contains(reason), e.what());
        QVERIFY2(QByteArray(e.what()).contains("nothing was written"), e.what());
        QCOMPARE(inv::Quantity::printable(e.what()), std::string(e.what()));
    }
}

void TestQuantity::printable_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("shown");

    QTest::newRow("plain") << QByteArray("web order") << QByteArray("web order");
    QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9") << QByteArray("caf\xc3\xa9");
    QTest::newRow("OSC title") << QByteArray("srv\x1b]0;PWNED\x07") << QByteArray("srv\\x1b]0;PWNED\\x07");
    QTest::newRow("clear screen") << QByteArray("\x1b[2J") << QByteArray("\\x1b[2J");
    QTest::newRow("newline") << QByteArray("a\nb") << QByteArray("a\\x0ab");
    QTest::newRow("DEL") << QByteArray("a\x7f") << QByteArray("a\\x7f");
    QTest::newRow("C1 CSI") << QByteArray("a\xc2\x9b") << QByteArray("a\\xc2\\x9b");
    QTest::newRow("not UTF-8") << QByteArray("a\xff") << QByteArray("a\\xff");
}

void TestQuantity::printable()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, shown);
    QCOMPARE(QByteArray::fromStdString(inv::Quantity::printable(text.toStdString())), shown);
}

void TestQuantity::printableJson()
{
    // JSON writers escape C0 controls but pass DEL and C1 through; these are escaped as \u, which
    // reads back as the same string.
    const std::string json = "{\"a\": \"x\x7f y\xc2\x9b[2J caf\xc3\xa9 \\u001b\"}";
    QCOMPARE(inv::Quantity::printableJson(json),
             std::string("{\"a\": \"x\\u007f y\\u009b[2J caf\xc3\xa9 \\u001b\"}"));
}

QTEST_APPLESS_MAIN(TestQuantity)
#include "tst_quantity.moc"
