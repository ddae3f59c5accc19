#include "commandline.h"

#include "commandreference.h"
#include "errors.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

std::string CommandLine::usage()
{
    return CommandReference::help();
}

namespace {
// "--fault and --slo", for the message that refuses an option given twice.
std::string repeatableOptions()
{
    std::vector<std::string> names;
    for (const OptionInfo &option : CommandReference::options())
        if (option.repeatable)
            names.push_back("--" + std::string(option.name));
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return out;
}
} // namespace

CommandLine CommandLine::parse(int argc, char **argv)
{
    CommandLine out;
    std::vector<std::string> given;
    bool onlyPositionals = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (!onlyPositionals && arg == "--") {
            onlyPositionals = true;
            continue;
        }
        if (!onlyPositionals && arg.size() > 2 && arg.rfind("--", 0) == 0) {
            std::string name = arg.substr(2);
            std::optional<std::string> value;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            const OptionInfo *info = CommandReference::findOption(name);
            if (!info)
                throw inv::InvalidInput("unknown option '" + arg +
                                        "'; run 'inventory-console --help' for usage");
            if (!info->repeatable && (out.m_flags.count(name) || out.m_options.count(name)))
                throw inv::InvalidInput("option --" + name + " is given twice; give it once (only " +
                                        repeatableOptions() + " may repeat)");
            given.push_back(name);
            if (info->valueName.empty()) {
                if (value)
                    throw inv::InvalidInput("option --" + name + " takes no value");
                out.m_flags.insert(name);
                continue;
            }
            if (!value) {
                if (i + 1 >= argc)
                    throw inv::InvalidInput("option --" + name + " needs a value");
                value = argv[++i];
            }
            if (info->repeatable)
                out.m_repeated[name].push_back(*value);
            else
                out.m_options[name] = *value;
            continue;
        }
        if (out.m_command.empty() && out.m_positionals.empty() && !onlyPositionals) {
            if (arg.empty() || !CommandReference::findCommand(arg))
                throw inv::InvalidInput("unknown command '" + arg +
                                        "'; run 'inventory-console --help' for usage");
            out.m_command = arg;
            continue;
        }
        out.m_positionals.push_back(arg);
    }
    // --help and --version answer before the command runs, whatever else the line holds.
    if (out.flag("help") || out.flag("version"))
        return out;
    // Checked once the whole line is read: options may come before the command's name.
    const CommandInfo *command = CommandReference::findCommand(out.m_command);
    for (const std::string &name : given) {
        if (command->takes(name))
            continue;
        const std::string help = out.m_command.empty() ? "inventory-console --help"
                                                       : "inventory-console " + out.m_command + " --help";
        throw inv::InvalidInput("option --" + name + " does not apply to " +
                                CommandReference::displayName(*command) + "; it goes with " +
                                CommandReference::takersOf(name) + "; run '" + help + "' for the options " +
                                (out.m_command.empty() ? "of each command" : "it takes"));
    }
    return out;
}

const std::vector<std::string> &CommandLine::values(const std::string &name) const
{
    static const std::vector<std::string> none;
    auto it = m_repeated.find(name);
    return it == m_repeated.end() ? none : it->second;
}

std::optional<std::string> CommandLine::option(const std::string &name) const
{
    if (auto it = m_options.find(name); it != m_options.end())
        return it->second;
    return std::nullopt;
}

long long CommandLine::integer(const std::string &name, long long fallback, long long min,
                               long long max) const
{
    auto text = option(name);
    if (!text)
        return fallback;
    const std::string range = std::to_string(min) + " to " + std::to_string(max);
    if (text->empty() || text->find_first_not_of("-0123456789") != std::string::npos)
        throw inv::InvalidInput("invalid --" + name + " '" + *text + "': give a whole number from " + range);
    errno = 0;
    long long value = std::strtoll(text->c_str(), nullptr, 10);
    if (errno == ERANGE || value < min || value > max)
        throw inv::InvalidInput("invalid --" + name + " '" + *text + "': give a whole number from " + range);
    return value;
}

double CommandLine::number(const std::string &name, double fallback, double min, double max) const
{
    auto text = option(name);
    if (!text)
        return fallback;
    char *end = nullptr;
    errno = 0;
    const double value = text->empty() ? 0 : std::strtod(text->c_str(), &end);
    if (text->empty() || errno == ERANGE || *end != '\0' || !(value >= min && value <= max))
        throw inv::InvalidInput("invalid --" + name + " '" + *text + "': give a number from " +
                                std::to_string(min) + " to " + std::to_string(max));
    return value;
}

const std::string &CommandLine::positional(std::size_t index, const std::string &what) const
{
    if (index >= m_positionals.size())
        throw inv::InvalidInput("missing " + what + "; usage: inventory-console " + m_command + " ...");
    return m_positionals[index];
}

void CommandLine::expectPositionals(std::size_t count, const std::string &synopsis) const
{
    if (m_positionals.size() < count)
        throw inv::InvalidInput("too few arguments; usage: inventory-console " + synopsis);
    if (m_positionals.size() > count)
        throw inv::InvalidInput("unexpected argument '" + m_positionals[count] +
                                "'; usage: inventory-console " + synopsis);
}
