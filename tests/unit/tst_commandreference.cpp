// CommandReference: the parser, --help, the man page and the bash completion come from one list, and
// every option the commands read is in it.
#include "commandline.h"
#include "commandreference.h"
#include "errors.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <set>
#include <string>
#include <vector>

class TestCommandReference : public QObject
{
    Q_OBJECT

private slots:
    void everyCommandOptionIsDescribed();
    void parserAcceptsEveryOption_data();
    void parserAcceptsEveryOption();
    void parserRefusesWhatIsNotDescribed();
    void renderingsNameEveryOption_data();
    void renderingsNameEveryOption();
    void manPageHasEverySection();
    void everyOptionTheCommandsReadIsDescribed();
};

namespace {
CommandLine parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "inventory-console");
    std::vector<char *> argv;
    for (std::string &arg : args)
        argv.push_back(arg.data());
    return CommandLine::parse(static_cast<int>(argv.size()), argv.data());
}
} // namespace

void TestCommandReference::everyCommandOptionIsDescribed()
{
    for (const CommandInfo &command : CommandReference::commands())
        for (std::string_view name : command.options)
            QVERIFY2(
                CommandReference::findOption(name),
                qPrintable(QStringLiteral("--%1 of '%2' has no description")
                               .arg(QString::fromUtf8(name.data(), qsizetype(name.size())),
                                    QString::fromUtf8(command.name.data(), qsizetype(command.name.size())))));
}

void TestCommandReference::parserAcceptsEveryOption_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("takesValue");
    for (const OptionInfo &option : CommandReference::options()) {
        const QString name = QString::fromUtf8(option.name.data(), qsizetype(option.name.size()));
        QTest::newRow(qPrintable(name)) << name << !option.valueName.empty();
    }
}

void TestCommandReference::parserAcceptsEveryOption()
{
    QFETCH(QString, name);
    QFETCH(bool, takesValue);
    const std::string flag = "--" + name.toStdString();
    if (takesValue) {
        const CommandLine args = parse({"audit", flag, "v1"});
        // The repeatable options keep every value in order; the others keep the one given.
        if (name == QLatin1String("slo"))
            QCOMPARE(args.slos(), std::vector<std::string>{"v1"});
        else if (name == QLatin1String("fault"))
            QCOMPARE(args.faults(), std::vector<std::string>{"v1"});
        else
            QCOMPARE(args.option(name.toStdString()).value_or(""), std::string("v1"));
        QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse({"audit", flag}));
    } else {
        QVERIFY(parse({"audit", flag}).flag(name.toStdString()));
        QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse({"audit", flag + "=yes"}));
    }
}

void TestCommandReference::parserRefusesWhatIsNotDescribed()
{
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse({"audit", "--no-such-option"}));
    QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse({"no-such-command"}));
    for (const CommandInfo &command : CommandReference::commands())
        if (!command.name.empty())
            QCOMPARE(parse({std::string(command.name)}).command(), std::string(command.name));
}

void TestCommandReference::renderingsNameEveryOption_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("dash");
    QTest::newRow("help") << QString::fromStdString(CommandReference::help()) << QStringLiteral("--");
    QTest::newRow("man") << QString::fromStdString(CommandReference::manPage("1.2.3"))
                         << QStringLiteral("\\-\\-");
    QTest::newRow("completion") << QString::fromStdString(CommandReference::bashCompletion())
                                << QStringLiteral("--");
}

void TestCommandReference::renderingsNameEveryOption()
{
    QFETCH(QString, text);
    QFETCH(QString, dash);
    for (const OptionInfo &option : CommandReference::options()) {
        QString name = QString::fromUtf8(option.name.data(), qsizetype(option.name.size()));
        if (dash.size() > 2)
            name.replace(QLatin1Char('-'), QStringLiteral("\\-"));
        QVERIFY2(text.contains(dash + name), qPrintable(name));
    }
    for (const CommandInfo &command : CommandReference::commands()) {
        QString name = QString::fromUtf8(command.name.data(), qsizetype(command.name.size()));
        if (dash.size() > 2)
            name.replace(QLatin1Char('-'), QStringLiteral("\\-"));
        QVERIFY2(text.contains(name), qPrintable(name));
    }
}

void TestCommandReference::manPageHasEverySection()
{
    const QString man = QString::fromStdString(CommandReference::manPage("1.2.3"));
    QVERIFY(man.startsWith(QStringLiteral(".TH INVENTORY\\-CONSOLE 1")));
    QVERIFY(man.contains(QStringLiteral("1.2.3")));
    for (const char *section :
         {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ENVIRONMENT", "EXIT STATUS"})
        QVERIFY2(man.contains(QStringLiteral(".SH ") + QLatin1String(section)), section);
    for (const EnvironmentInfo &variable : CommandReference::environment())
        QVERIFY(man.contains(QString::fromUtf8(variable.name.data(), qsizetype(variable.name.size()))
                                 .replace(QLatin1Char('-'), QStringLiteral("\\-"))));
    for (const ExitCodeInfo &exit : CommandReference::exitCodes())
        QVERIFY(man.contains(QStringLiteral(".B %1\n").arg(exit.code)));
    // No line may start with a quote or a dot that roff would take for a request by accident.
    for (const QString &line : man.split(QLatin1Char('\n')))
        QVERIFY2(!line.startsWith(QLatin1Char('\'')), qPrintable(line));
}

void TestCommandReference::everyOptionTheCommandsReadIsDescribed()
{
    const QDir app(QStringLiteral(INVENTORY_SOURCE_DIR "/app"));
    const QRegularExpression read(QStringLiteral(R"re((?:option|flag|integer|number)\("([a-z-]+)")re"));
    int found = 0;
    for (const QString &file : app.entryList({QStringLiteral("*.cpp")})) {
        QFile source(app.filePath(file));
        QVERIFY(source.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(source.readAll());
        for (auto it = read.globalMatch(text); it.hasNext();) {
            const std::string name = it.next().captured(1).toStdString();
            ++found;
            QVERIFY2(CommandReference::findOption(name),
                     qPrintable(file + QStringLiteral(": --") + QString::fromStdString(name)));
        }
    }
    QVERIFY2(found > 30, "the scan found too few options to be looking at the right sources");
}

QTEST_GUILESS_MAIN(TestCommandReference)
#include "tst_commandreference.moc"
