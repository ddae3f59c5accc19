// CommandReference: the parser, --help, the man page and the bash completion come from one list, and
// every option the commands read is in it.
#include "commandline.h"
#include "commandreference.h"
#include "errors.h"
#include "testpaths.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <set>
#include <string>
#include <vector>

using namespace Qt::StringLiterals;

class TestCommandReference : public QObject
{
    Q_OBJECT

private slots:
    void everyCommandOptionIsDescribed();
    void parserAcceptsEveryOption_data();
    void parserAcceptsEveryOption();
    void parserRefusesWhatIsNotDescribed();
    void parserRefusesOptionsOfOtherCommands_data();
    void parserRefusesOptionsOfOtherCommands();
    void onlyRepeatableOptionsRepeat();
    void commandHelpListsTheCommandsOptions();
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
    // Given to a command that takes it (the console window has no command name).
    std::vector<std::string> line;
    for (const CommandInfo &command : CommandReference::commands())
        if (command.takes(name.toStdString())) {
            if (!command.name.empty())
                line.push_back(std::string(command.name));
            break;
        }
    const auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = line;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    const OptionInfo *info = CommandReference::findOption(name.toStdString());
    if (takesValue) {
        const CommandLine args = parse(with({flag, "v1"}));
        // The repeatable options keep every value in order; the others keep the one given.
        if (info->repeatable)
            QCOMPARE(args.values(name.toStdString()), std::vector<std::string>{"v1"});
        else
            QCOMPARE(args.option(name.toStdString()).value_or(""), std::string("v1"));
        QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse(with({flag})));
    } else {
        QVERIFY(parse(with({flag})).flag(name.toStdString()));
        QVERIFY_THROWS_EXCEPTION(inv::InvalidInput, parse(with({flag + "=yes"})));
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

void TestCommandReference::parserRefusesOptionsOfOtherCommands_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("refusal"); // empty when the line is accepted
    QTest::newRow("stock --buyers") << QStringList{u"stock"_s, u"SKU-0001"_s, u"--buyers"_s, u"5"_s}
                                    << u"option --buyers does not apply to 'stock'; it goes with the console "
                                       "window and simulate; run 'inventory-console stock --help' for the "
                                       "options it takes"_s;
    QTest::newRow("sandbox --duration") << QStringList{u"sandbox"_s, u"status"_s, u"--duration"_s, u"5"_s}
                                        << u"option --duration does not apply to 'sandbox'"_s;
    QTest::newRow("before the command") << QStringList{u"--buyers=5"_s, u"stock"_s, u"SKU-0001"_s}
                                        << u"option --buyers does not apply to 'stock'"_s;
    QTest::newRow("sandbox --pg") << QStringList{u"sandbox"_s, u"start"_s, u"--pg"_s, u"host=x"_s}
                                  << u"option --pg does not apply to 'sandbox'"_s;
    QTest::newRow("window --scenario")
        << QStringList{u"--scenario"_s, u"mixed"_s}
        << u"option --scenario does not apply to the console window (no command); it goes with simulate; "
           "run 'inventory-console --help' for the options of each command"_s;
    QTest::newRow("window --json") << QStringList{u"--json"_s} << u"option --json does not apply"_s;
    QTest::newRow("--pg before the command")
        << QStringList{u"--pg"_s, u"host=x"_s, u"stock"_s, u"SKU-0001"_s} << QString();
    QTest::newRow("window --buyers") << QStringList{u"--buyers"_s, u"5"_s} << QString();
    QTest::newRow("help wins") << QStringList{u"stock"_s, u"--buyers"_s, u"5"_s, u"--help"_s} << QString();
    QTest::newRow("after --") << QStringList{u"add"_s, u"--"_s, u"--buyers"_s} << QString();
}

void TestCommandReference::parserRefusesOptionsOfOtherCommands()
{
    QFETCH(QStringList, args);
    QFETCH(QString, refusal);
    std::vector<std::string> line;
    for (const QString &arg : args)
        line.push_back(arg.toStdString());
    try {
        parse(line);
        QVERIFY2(refusal.isEmpty(), "accepted");
    } catch (const inv::InvalidInput &e) {
        QVERIFY2(!refusal.isEmpty(), e.what());
        QVERIFY2(QString::fromUtf8(e.what()).startsWith(refusal), e.what());
    }
}

void TestCommandReference::onlyRepeatableOptionsRepeat()
{
    const CommandLine args = parse({"simulate", "--fault", "redis-pause@1s", "--slo", "read_p99_ms=2",
                                    "--fault", "pg-terminate@2s", "--slo=dropped=0"});
    QCOMPARE(args.faults(), (std::vector<std::string>{"redis-pause@1s", "pg-terminate@2s"}));
    QCOMPARE(args.slos(), (std::vector<std::string>{"read_p99_ms=2", "dropped=0"}));
    QVERIFY(args.values("buyers").empty());
    std::vector<std::string> repeatable;
    for (const OptionInfo &option : CommandReference::options())
        if (option.repeatable)
            repeatable.push_back(std::string(option.name));
    QCOMPARE(repeatable, (std::vector<std::string>{"slo", "fault"}));
    for (const std::vector<std::string> &line :
         {std::vector<std::string>{"--pg", "a", "stock", "SKU-0001", "--pg", "b"},
          std::vector<std::string>{"stock", "SKU-0001", "--json", "--json"},
          std::vector<std::string>{"simulate", "--buyers=1", "--buyers=2"}}) {
        try {
            parse(line);
            QFAIL("accepted an option given twice");
        } catch (const inv::InvalidInput &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(u" is given twice; give it once (only --slo and "
                                                          "--fault may repeat)"_s),
                     e.what());
        }
    }
}

void TestCommandReference::commandHelpListsTheCommandsOptions()
{
    const QString help =
        QString::fromStdString(CommandReference::help(*CommandReference::findCommand("stock")));
    QVERIFY2(help.startsWith(u"usage: inventory-console stock SKU [options]\n"_s), qPrintable(help));
    for (const char *option : {"--json", "--pg CONNINFO", "--redis URL", "--help", "--version"})
        QVERIFY2(help.contains(QLatin1String(option)), option);
    QVERIFY(!help.contains(u"--buyers"_s));
    const QString simulate =
        QString::fromStdString(CommandReference::help(*CommandReference::findCommand("simulate")));
    QVERIFY(simulate.contains(u"--fault KIND@START[+DUR]"_s));
    QVERIFY(simulate.contains(u"(repeatable)"_s));
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
    const QDir app(testpaths::source(QStringLiteral("app")));
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
