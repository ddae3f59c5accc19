// inventory-console: with a subcommand it runs headless and exits with docs/ARCHITECTURE.md's codes; without
// one it opens the console window.
#include "clicommands.h"
#include "commandline.h"
#include "commandreference.h"
#include "errors.h"
#include "inventory/strategy.h"
#include "mainwindow.h"
#include "sim/simulationconfig.h"
#include "sim/sweeprange.h"
#include "sim/sweepreference.h"

#include <QApplication>
#include <QIcon>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace {
bool hasDisplay()
{
    const char *platform = std::getenv("QT_QPA_PLATFORM");
    if (platform && *platform)
        return true;
    const char *x11 = std::getenv("DISPLAY");
    const char *wayland = std::getenv("WAYLAND_DISPLAY");
    return (x11 && *x11) || (wayland && *wayland);
}
} // namespace

int main(int argc, char **argv)
{
    CommandLine args;
    try {
        args = CommandLine::parse(argc, argv);
    } catch (const inv::InvalidInput &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    if (args.flag("help")) {
        if (args.command().empty())
            std::cout << CommandLine::usage();
        else
            std::cout << CommandReference::help(*CommandReference::findCommand(args.command()));
        return 0;
    }
    if (args.flag("version")) {
        std::cout << "inventory-console " << INVENTORY_VERSION << "\n";
        return 0;
    }
    if (!args.command().empty()) {
        CliCommands commands(args);
        return commands.run();
    }
    try {
        if (auto strategy = args.option("strategy"))
            inv::Strategy::parseKind(*strategy);
        if (auto scenario = args.option("autostart"))
            inv::SimulationConfig::parseScenario(*scenario);
        if (auto sweep = args.option("sweep"))
            inv::SweepRange::parse(*sweep);
        // A bad file opens nothing and writes nothing.
        if (auto reference = args.option("reference"))
            inv::SweepReference::load(*reference);
        if ((args.option("reference") || args.option("export-sweep")) && !args.option("sweep"))
            throw inv::InvalidInput(
                "--reference and --export-sweep go with --sweep: add --sweep rate=FROM..TO");
        if (auto png = args.option("export-sweep")) {
            // Checked before the sweep runs, without creating the file.
            const auto folder = std::filesystem::absolute(*png).parent_path();
            if (!std::filesystem::is_directory(folder) || access(folder.c_str(), W_OK) != 0)
                throw inv::InvalidInput("cannot write --export-sweep '" + *png +
                                        "': its folder does not exist or is not writable");
        }
        args.number("step-seconds", 3, 0.5, 600);
        if (auto compare = args.option("compare")) {
            std::string item;
            std::stringstream list(*compare);
            while (std::getline(list, item, ','))
                inv::Strategy::parseKind(item);
        }
    } catch (const inv::InvalidInput &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    if (!hasDisplay()) {
        std::cerr
            << "error: no display to open the console on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
               "Run it inside a desktop session, or under a virtual display: xvfb-run -a inventory-console\n"
               "The headless commands work anywhere: inventory-console --help\n";
        return 3;
    }
    QApplication app(argc, argv);
    QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setApplicationName(QStringLiteral("inventory-console"));
    QApplication::setOrganizationName(QStringLiteral("inventory-console"));
    QApplication::setApplicationVersion(QStringLiteral(INVENTORY_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/inventory-console.svg")));
    StartOptions options;
    auto text = [&](const char *name, const char *environment) {
        if (auto value = args.option(name))
            return QString::fromStdString(*value);
        const char *fromEnvironment = environment ? std::getenv(environment) : nullptr;
        return fromEnvironment ? QString::fromUtf8(fromEnvironment) : QString();
    };
    options.pg = text("pg", "INVENTORY_PG_URL");
    options.redis = text("redis", "INVENTORY_REDIS_URL");
    options.strategy = text("strategy", nullptr);
    options.page = text("page", nullptr);
    options.sku = text("sku", nullptr);
    options.screenshot = text("screenshot", nullptr);
    options.openCount = text("open-count", nullptr);
    options.dark = args.flag("dark");
    options.quitAfterScreenshot = args.flag("quit-when-done");
    options.autostart = text("autostart", nullptr);
    options.agents = text("agents", nullptr);
    if (!options.agents.isEmpty() && options.autostart != QLatin1String("flash-sale")) {
        std::cerr << "error: --agents goes with --autostart flash-sale: only the flash sale runs on agents\n";
        return 2;
    }
    if (const QString size = text("window-size", nullptr); !size.isEmpty()) {
        const QStringList parts = size.split(QLatin1Char('x'));
        const int width = parts.size() == 2 ? parts[0].toInt() : 0,
                  height = parts.size() == 2 ? parts[1].toInt() : 0;
        if (width < 200 || height < 200) {
            std::cerr << "error: invalid --window-size '" << size.toStdString()
                      << "': give WIDTHxHEIGHT in pixels, for example 1024x700\n";
            return 2;
        }
        options.windowSize = QSize(width, height);
    }
    const QString compare = text("compare", nullptr);
    if (!compare.isEmpty())
        options.compare = compare.split(QLatin1Char(','), Qt::SkipEmptyParts);
    options.sweep = text("sweep", nullptr);
    options.stepSeconds = args.number("step-seconds", 3, 0.5, 600);
    options.reference = text("reference", nullptr);
    options.exportSweep = text("export-sweep", nullptr);
    if (!options.autostart.isEmpty() || !options.sweep.isEmpty())
        options.page = QStringLiteral("simulation");
    for (const char *name : {"race-delay-ms", "buyers", "stock", "rate", "duration", "servers", "connections",
                             "products", "readers"}) {
        if (auto value = args.option(name)) {
            bool ok = false;
            const double number = QString::fromStdString(*value).toDouble(&ok);
            if (!ok || number < 0) {
                std::cerr << "error: invalid --" << name << " '" << *value
                          << "': give a non-negative number\n";
                return 2;
            }
            options.simulationParameters.push_back({QString::fromLatin1(name), number});
        }
    }
    if (args.flag("blind-buyers"))
        options.simulationParameters.push_back({QStringLiteral("blind-buyers"), 1});
    if (auto client = args.option("client")) {
        try {
            const bool threads = inv::SimulationConfig::parseClient(*client) == inv::ClientKind::Threads;
            options.simulationParameters.push_back({QStringLiteral("client-loop"), threads ? 0.0 : 1.0});
        } catch (const inv::InvalidInput &e) {
            std::cerr << "error: " << e.what() << "\n";
            return 2;
        }
    }
    for (const std::string &fault : args.faults()) {
        try {
            inv::FaultSpec::parse(fault);
        } catch (const inv::InvalidInput &e) {
            std::cerr << "error: " << e.what() << "\n";
            return 2;
        }
        options.faults << QString::fromStdString(fault);
    }
    MainWindow window(options);
    window.show();
    return QApplication::exec();
}
