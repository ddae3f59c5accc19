#include "commandreference.h"

#include <algorithm>
#include <sstream>

namespace {
const std::vector<std::string_view> kStrategies{"unsafe", "naive", "locked", "versioned", "combined"};
const std::vector<std::string_view> kScenarios{"flash-sale", "mixed", "stampede"};

// The options every command that reaches the services takes.
const std::vector<std::string_view> kConnection{"pg", "redis", "strategy", "server-id", "ttl-ms"};

std::vector<std::string_view> withConnection(std::vector<std::string_view> own)
{
    own.insert(own.end(), kConnection.begin(), kConnection.end());
    return own;
}

// Roff treats a leading '.' or '\'' as a request and '-' as a hyphen; escape both.
std::string roff(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (c == '-')
            out += "\\-";
        else if (c == '\\')
            out += "\\e";
        else
            out += c;
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\''))
        out.insert(0, "\\&");
    return out;
}

std::string optionSynopsis(const OptionInfo &option)
{
    std::string out = "--" + std::string(option.name);
    if (!option.valueName.empty())
        out += " " + std::string(option.valueName);
    return out;
}

// The description of an option after its synopsis, as --help prints it, with its line end.
void describeOption(std::ostringstream &out, const OptionInfo &option)
{
    out << option.description;
    if (!option.choices.empty()) {
        out << " (";
        for (std::size_t i = 0; i < option.choices.size(); ++i)
            out << (i ? "|" : "") << option.choices[i];
        out << ")";
    }
    out << (option.repeatable ? " (repeatable)" : "") << "\n";
}

void printOption(std::ostringstream &out, const OptionInfo &option)
{
    const std::string synopsis = "  " + optionSynopsis(option);
    out << synopsis << std::string(synopsis.size() < 26 ? 26 - synopsis.size() : 1, ' ');
    describeOption(out, option);
}
} // namespace

bool CommandInfo::takes(std::string_view option) const
{
    return CommandReference::isGlobal(option) ||
           std::find(options.begin(), options.end(), option) != options.end();
}

const std::vector<CommandInfo> &CommandReference::commands()
{
    static const std::vector<CommandInfo> list{
        {"", "", "open the console window",
         withConnection({"page",         "sku",          "screenshot",    "open-count", "quit-when-done",
                         "window-size",  "dark",         "autostart",     "compare",    "buyers",
                         "stock",        "rate",         "duration",      "servers",    "connections",
                         "products",     "readers",      "race-delay-ms", "fault",      "sweep",
                         "step-seconds", "blind-buyers", "client",        "reference",  "export-sweep",
                         "agents"})},
        {"sandbox",
         "start|stop|status",
         "start, stop or show the local PostgreSQL and Redis",
         {"dir", "fast-unsafe", "durable", "json"}},
        {"init", "", "migrate the schema (idempotent) and seed demo products SKU-0001 onwards",
         withConnection({"products", "stock", "reset", "json"})},
        {"add", "SKU", "create a product", withConnection({"name", "stock", "json"})},
        {"stock", "SKU", "show stock as the cache and the database see it", withConnection({"json"})},
        {"purchase", "SKU QTY", "sell QTY units; refused (exit 1) when stock is short",
         withConnection({"reason", "request-id", "json"})},
        {"restock", "SKU QTY", "add QTY units", withConnection({"reason", "request-id", "json"})},
        {"adjust", "SKU STOCK", "set an absolute stock level; with --expect-version, only if unchanged",
         withConnection({"reason", "expect-version", "request-id", "json"})},
        {"import-count", "FILE", "apply a stock count CSV (sku,counted[,reason]) in one transaction",
         withConnection({"dry-run", "json"})},
        {"reverse", "AUDIT_ID", "write the change that compensates an audit row",
         withConnection({"reason", "json"})},
        {"audit", "", "list the append-only audit log, newest first",
         withConnection({"sku", "limit", "json"})},
        {"simulate", "--scenario NAME", "run a concurrency simulation and check its SLOs",
         withConnection(
             {"scenario",   "servers",      "connections", "buyers",      "stock",           "quantity",
              "sku",        "blind-buyers", "rate",        "duration",    "read-ratio",      "products",
              "skew",       "no-warm",      "readers",     "rounds",      "race-delay-ms",   "seed",
              "max-lag-ms", "slo",          "run-id",      "keep",        "cleanup",         "report",
              "json",       "fault",        "dir",         "combine-max", "combine-wait-us", "near-cache",
              "sweep",      "step-seconds", "client",      "agents",      "reference"})},
        {"agent", "", "run a load agent that takes its share of simulations started with simulate --agents",
         withConnection({"name", "list", "json"})},
    };
    return list;
}

const std::vector<OptionInfo> &CommandReference::options()
{
    static const std::vector<OptionInfo> list{
        {"help", "", "print this help and exit", {}},
        {"version", "", "print the version and exit", {}},
        {"pg",
         "CONNINFO",
         "PostgreSQL: any libpq connection string or URI (PG* variables and .pgpass work)",
         {}},
        {"redis", "URL", "Redis: redis://[user:password@]host:port[/db]", {}},
        {"strategy", "S", "cache strategy (default versioned)", kStrategies},
        {"server-id", "ID", "server id recorded in audit rows", {}},
        {"ttl-ms", "MS", "cache entry time to live in milliseconds (default 30000; stampede 300)", {}},
        {"json", "", "print the result as JSON", {}},
        {"dir", "DIR", "sandbox directory (default: the user's data directory)", {}},
        {"fast-unsafe",
         "",
         "sandbox start: PostgreSQL without fsync (demos, benchmarks); a crash can lose writes",
         {}},
        {"durable", "", "sandbox start: back to PostgreSQL's durable defaults (the default mode)", {}},
        {"products", "N", "number of products (init: demo SKUs; simulate: keys)", {}},
        {"stock", "S", "stock per product", {}},
        {"reset", "", "init: set existing demo products back to the given stock", {}},
        {"name", "NAME", "add: the product's name; agent: the agent's name (default HOST-PID)", {}},
        {"reason", "TEXT", "reason recorded in the audit row", {}},
        {"expect-version", "V", "adjust: apply only if the product is still at version V (else exit 1)", {}},
        {"request-id",
         "ID",
         "idempotency key: a retry with the same ID returns the first result, writes nothing",
         {}},
        {"dry-run", "", "import-count: check and preview the count, write nothing", {}},
        {"sku", "SKU", "a product (1 to 64 bytes of UTF-8)", {}},
        {"limit", "N", "audit: rows to show (default 20)", {}},
        {"page", "PAGE", "GUI: page to open", {"inventory", "audit", "simulation", "servers", "connect"}},
        {"screenshot", "FILE", "GUI: save a PNG of the window once it has data", {}},
        {"open-count", "FILE", "GUI: open the stock-count import preview of a CSV file", {}},
        {"dark", "", "GUI: open in the dark palette (not saved)", {}},
        {"quit-when-done", "", "GUI: exit after the screenshot or the demo run", {}},
        {"window-size", "WxH", "GUI: open the window at this size, e.g. 1024x700 (screenshots)", {}},
        {"autostart", "SCENARIO", "GUI demo mode: run a scenario at once; exit 1 if an SLO failed",
         kScenarios},
        {"compare", "S1,S2,...", "GUI demo mode: run several strategies one after another", {}},
        {"scenario", "NAME", "simulate: the scenario", kScenarios},
        {"servers", "N", "virtual app servers (default 4)", {}},
        {"connections", "C", "connections per server and pool (default 4)", {}},
        {"buyers", "B", "flash-sale: buyers (default 10000)", {}},
        {"quantity", "Q", "flash-sale: units per purchase (default 1)", {}},
        {"blind-buyers", "", "flash-sale: buyers purchase without reading first, as pgbench does", {}},
        {"agents",
         "all|N|NAME,...",
         "simulate (flash-sale, mixed), GUI demo mode (flash-sale): spread the run's servers, buyers and "
         "rate over load agents (inventory-console agent) and merge their results",
         {}},
        {"list", "", "agent: list the agents registered in Redis and exit", {}},
        {"client",
         "auto|loop|threads",
         "loop: each server's connections driven by one event loop in libpq's pipeline mode, reads on "
         "their own connection (every strategy but combined); threads: a thread per connection (every "
         "strategy); auto (default): the loop, and threads for combined",
         {"auto", "loop", "threads"}},
        {"rate", "R", "mixed: arrivals per second (default 10000)", {}},
        {"duration", "SEC", "mixed: seconds to run (default 10)", {}},
        {"read-ratio", "F", "mixed: share of reads, 0 to 1 (default 0.9)", {}},
        {"skew", "Z", "mixed: Zipf exponent of the key choice (default 0.99)", {}},
        {"no-warm", "", "mixed: do not fill the cache before measuring", {}},
        {"readers", "R", "stampede: concurrent readers (default 200)", {}},
        {"rounds", "N", "stampede: expiries (default 5)", {}},
        {"race-delay-ms",
         "X",
         "random pause up to X ms between commit and cache update, and read and fill",
         {}},
        {"near-cache",
         "",
         "simulate: each server reads through an in-process cache kept coherent by Redis invalidations "
         "(every strategy but unsafe)",
         {}},
        {"seed", "N", "random seed (default 1)", {}},
        {"combine-max", "N", "simulate, combined: at most N purchases in one batch (default 64)", {}},
        {"combine-wait-us",
         "US",
         "simulate, combined: how long the first purchase of an idle product waits for others (default 0)",
         {}},
        {"max-lag-ms", "MS", "mixed: an operation later than this is dropped (default 1000)", {}},
        {"sweep",
         "PARAM=FROM..TO[:N]",
         "simulate (mixed), GUI demo mode: raise rate (req/s) or connections step by step until an SLO "
         "breaks, and report the knee, e.g. rate=1000..40000 or connections=1..128 (N steps; default: "
         "doubling). Connections count in all, spread over --servers (the first servers take one more; "
         "a step with fewer connections than servers runs on fewer servers), at most 64 a server",
         {}},
        {"step-seconds", "SEC", "sweep: seconds per step (default 3)", {}},
        {"reference",
         "FILE",
         "sweep: pgbench's and redis-benchmark's measured results (JSON, as run_benchmarks.sh writes "
         "it), listed in the sweep's report and drawn on the GUI's sweep chart",
         {}},
        {"export-sweep",
         "FILE.png",
         "GUI demo mode: when the sweep ends, save its chart as Export chart does (PNG, 1400x800) and quit",
         {}},
        {"slo", "NAME=VALUE", "override an SLO threshold, e.g. read_p99_ms=2", {}, true},
        {"report", "FILE", "write the JSON report to FILE", {}},
        {"fault",
         "KIND@START[+DUR]",
         "simulate, GUI demo mode: inject a fault during the load, e.g. redis-pause@3s+2s or "
         "redis-client-pause@0.5s+1.5s; kinds redis-pause, redis-kill, redis-restart, redis-client-pause, "
         "pg-terminate, pg-restart; times in ms, s or m, decimals allowed down to whole milliseconds, at "
         "most "
         "a day",
         {},
         true},
        {"run-id",
         "ID",
         "simulate: the run's space (schema sim_ID, Redis prefix sim:ID:); processes given "
         "the same id share it",
         {}},
        {"keep", "", "simulate: keep the run's schema and keys for inspection", {}},
        {"cleanup", "", "simulate: remove the spaces of runs that are not running, kept ones too", {}},
    };
    return list;
}

const std::vector<EnvironmentInfo> &CommandReference::environment()
{
    static const std::vector<EnvironmentInfo> list{
        {"INVENTORY_PG_URL", "PostgreSQL connection when --pg is not given"},
        {"INVENTORY_REDIS_URL", "Redis URL when --redis is not given"},
        {"PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE", "read by libpq as in psql; .pgpass works too"},
        {"XDG_DATA_HOME",
         "the sandbox lives in $XDG_DATA_HOME/inventory-console/sandbox (default "
         "~/.local/share/inventory-console/sandbox; as root /var/lib/inventory-console/sandbox)"},
        {"DISPLAY, WAYLAND_DISPLAY", "the console window needs one of them; otherwise use xvfb-run -a"},
    };
    return list;
}

const std::vector<ExitCodeInfo> &CommandReference::exitCodes()
{
    static const std::vector<ExitCodeInfo> list{
        {0, "ok; for simulate and demo mode, every SLO passed"},
        {1, "refused: not enough stock, or an SLO failed"},
        {2, "bad input or usage; nothing was written"},
        {3, "a service is unreachable or failed, or a simulation was stopped (SIGINT, SIGTERM) with partial "
            "results and no verdict"},
    };
    return list;
}

const OptionInfo *CommandReference::findOption(std::string_view name)
{
    const auto &list = options();
    auto it = std::find_if(list.begin(), list.end(), [&](const OptionInfo &o) { return o.name == name; });
    return it == list.end() ? nullptr : &*it;
}

const CommandInfo *CommandReference::findCommand(std::string_view name)
{
    const auto &list = commands();
    auto it = std::find_if(list.begin(), list.end(), [&](const CommandInfo &c) { return c.name == name; });
    return it == list.end() ? nullptr : &*it;
}

bool CommandReference::isGlobal(std::string_view option)
{
    return option == "help" || option == "version";
}

std::string CommandReference::displayName(const CommandInfo &command)
{
    return command.name.empty() ? std::string("the console window (no command)")
                                : "'" + std::string(command.name) + "'";
}

std::string CommandReference::takersOf(std::string_view option)
{
    std::vector<std::string> names;
    for (const CommandInfo &command : commands())
        if (command.takes(option))
            names.push_back(command.name.empty() ? std::string("the console window")
                                                 : std::string(command.name));
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return out;
}

std::string CommandReference::help()
{
    std::ostringstream out;
    out << "usage:\n";
    for (const CommandInfo &command : commands()) {
        std::string line = "  inventory-console";
        if (!command.name.empty())
            line += " " + std::string(command.name);
        if (!command.arguments.empty())
            line += " " + std::string(command.arguments);
        line += " [options]";
        out << line << std::string(line.size() < 52 ? 52 - line.size() : 1, ' ') << command.summary << "\n";
        std::string names = "      ";
        for (std::string_view name : command.options) {
            if (std::find(kConnection.begin(), kConnection.end(), name) != kConnection.end())
                continue;
            const std::string item = "--" + std::string(name) + " ";
            if (names.size() + item.size() > 100) {
                out << names << "\n";
                names = "      ";
            }
            names += item;
        }
        if (names.size() > 6)
            out << names << "\n";
    }
    out << "  every command but sandbox also takes --pg --redis --strategy --server-id "
           "--ttl-ms\n\noptions:\n";
    for (const OptionInfo &option : options())
        printOption(out, option);
    out << "\nenvironment:\n";
    for (const EnvironmentInfo &variable : environment())
        out << "  " << variable.name << ": " << variable.description << "\n";
    out << "\nexit codes:";
    for (const ExitCodeInfo &exit : exitCodes())
        out << " " << exit.code << " " << exit.meaning << (exit.code == 3 ? "\n" : ";");
    out << "See inventory-console(1) for more.\n";
    return out.str();
}

std::string CommandReference::help(const CommandInfo &command)
{
    std::ostringstream out;
    out << "usage: inventory-console";
    if (!command.name.empty())
        out << " " << command.name;
    if (!command.arguments.empty())
        out << " " << command.arguments;
    out << " [options]\n  " << command.summary << "\n\noptions:\n";
    for (const OptionInfo &option : options())
        if (command.takes(option.name))
            printOption(out, option);
    out << "\nSee inventory-console --help for every command, or inventory-console(1).\n";
    return out.str();
}

std::string CommandReference::manPage(std::string_view version)
{
    std::ostringstream out;
    out << ".TH INVENTORY\\-CONSOLE 1 \"\" \"inventory\\-console " << roff(version)
        << "\" \"User Commands\"\n"
        << ".SH NAME\ninventory\\-console \\- inventory operations console for PostgreSQL and Redis\n"
        << ".SH SYNOPSIS\n";
    for (const CommandInfo &command : commands()) {
        out << ".B inventory\\-console";
        if (!command.name.empty())
            out << " " << roff(command.name);
        out << "\n";
        if (!command.arguments.empty())
            out << ".I " << roff(command.arguments) << "\n";
        out << "[\\fIoptions\\fR]\n.br\n";
    }
    out << ".SH DESCRIPTION\n"
        << "Adjusts a live inventory kept in PostgreSQL behind a shared Redis cache, with an append\\-only "
           "audit log written in the same transaction as every change, and runs concurrency simulations "
           "that show how cache and locking races oversell stock and serve stale data.\n"
        << "Without a command it opens the console window; with one it runs headless.\n"
        << "Each command takes the options listed for it below, before or after its name, and "
           "\\fB\\-\\-help\\fR and \\fB\\-\\-version\\fR; any other option, or an option that is not "
           "repeatable given twice, is refused with exit status 2. "
           "\\fBinventory\\-console\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR lists a command's options.\n"
        << ".SH COMMANDS\n";
    for (const CommandInfo &command : commands()) {
        out << ".TP\n.B " << (command.name.empty() ? "(none)" : roff(command.name));
        if (!command.arguments.empty())
            out << " " << roff(command.arguments);
        out << "\n" << roff(command.summary) << ". Options:";
        for (std::size_t i = 0; i < command.options.size(); ++i)
            out << (i ? "," : "") << " \\fB\\-\\-" << roff(command.options[i]) << "\\fR";
        out << ".\n";
    }
    out << ".SH OPTIONS\n";
    for (const OptionInfo &option : options()) {
        out << ".TP\n.B \\-\\-" << roff(option.name) << "\n";
        if (!option.valueName.empty())
            out << ".I " << roff(option.valueName) << "\n";
        out << roff(option.description);
        if (!option.choices.empty()) {
            out << ": ";
            for (std::size_t i = 0; i < option.choices.size(); ++i)
                out << (i ? ", " : "") << "\\fB" << roff(option.choices[i]) << "\\fR";
        }
        out << (option.repeatable ? "; repeatable" : "") << ".\n";
    }
    out << ".SH ENVIRONMENT\n";
    for (const EnvironmentInfo &variable : environment())
        out << ".TP\n.B " << roff(variable.name) << "\n" << roff(variable.description) << ".\n";
    out << ".SH EXIT STATUS\n";
    for (const ExitCodeInfo &exit : exitCodes())
        out << ".TP\n.B " << exit.code << "\n" << roff(exit.meaning) << ".\n";
    out << ".SH EXAMPLES\n.nf\n"
        << "inventory\\-console sandbox start\n"
        << "inventory\\-console init \\-\\-products 100 \\-\\-stock 50\n"
        << "inventory\\-console purchase SKU\\-0001 3 \\-\\-reason \"web order\"\n"
        << "inventory\\-console simulate \\-\\-scenario flash\\-sale \\-\\-strategy naive "
           "\\-\\-race\\-delay\\-ms 5\n"
        << ".fi\n";
    return out.str();
}

std::string CommandReference::bashCompletion()
{
    std::ostringstream out;
    out << "# bash completion for inventory-console, generated from its command reference\n"
        << "_inventory_console()\n{\n"
        << "    local cur prev words cword\n"
        << "    _init_completion || return\n"
        << "    local command= i\n"
        << "    for ((i = 1; i < cword; i++)); do\n"
        << "        case ${words[i]} in -*) ;; *) command=${words[i]}; break ;; esac\n"
        << "    done\n"
        << "    case $prev in\n";
    for (const OptionInfo &option : options()) {
        if (option.valueName.empty())
            continue;
        out << "        --" << option.name << ")\n";
        if (!option.choices.empty()) {
            out << "            COMPREPLY=($(compgen -W '";
            for (std::size_t i = 0; i < option.choices.size(); ++i)
                out << (i ? " " : "") << option.choices[i];
            out << "' -- \"$cur\"))\n";
        } else if (option.name == "dir") {
            out << "            _filedir -d\n";
        } else if (option.name == "report" || option.name == "screenshot") {
            out << "            _filedir\n";
        }
        out << "            return ;;\n";
    }
    out << "    esac\n"
        << "    local opts\n"
        << "    case $command in\n";
    for (const CommandInfo &command : commands()) {
        out << "        " << (command.name.empty() ? "''" : std::string(command.name)) << ") opts='";
        for (std::size_t i = 0; i < command.options.size(); ++i)
            out << (i ? " " : "") << "--" << command.options[i];
        out << (command.name.empty() ? " --help --version" : "") << "' ;;\n";
    }
    out << "    esac\n"
        << "    if [[ $command == sandbox && $cur != -* ]]; then\n"
        << "        COMPREPLY=($(compgen -W 'start stop status' -- \"$cur\"))\n"
        << "    elif [[ -z $command && $cur != -* ]]; then\n"
        << "        COMPREPLY=($(compgen -W '";
    bool first = true;
    for (const CommandInfo &command : commands()) {
        if (command.name.empty())
            continue;
        out << (first ? "" : " ") << command.name;
        first = false;
    }
    out << "' -- \"$cur\"))\n"
        << "    else\n"
        << "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
        << "    fi\n"
        << "} &&\n"
        << "    complete -F _inventory_console inventory-console\n";
    return out.str();
}
