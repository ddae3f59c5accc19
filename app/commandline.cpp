#include "commandline.h"

#include "commandreference.h"
#include "errors.h"

#include <cerrno>
#include <cstdlib>

std::string CommandLine::usage()
{
    return CommandReference::help();
}

CommandLine CommandLine::parse(int argc, char **argv)
{
    CommandLine out;
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
            if (info && info->valueName.empty()) {
                if (value)
                    throw inv::InvalidInput("option --" + name + " takes no value");
                out.m_flags.insert(name);
            } else if (info) {
                if (!value) {
                    if (i + 1 >= argc)
                        throw inv::InvalidInput("option --" + name + " needs a value");
                    value = argv[++i];
                }
                if (name == "slo")
                    out.m_slos.push_back(*value);
                else if (name == "fault")
                    out.m_faults.push_back(*value);
                else
                    out.m_options[name] = *value;
            } else {
                throw inv::InvalidInput("unknown option '" + arg +
                                        "'; run 'inventory-console --help' for usage");
            }
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
    return out;
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
