// Parses inventory-console's arguments into a command, its positional arguments and its options,
// refusing unknown options, options the command does not take and a non-repeatable option given
// twice, with a usage message. Main thread only; a plain value afterwards.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

class CommandLine
{
public:
    // Throws inv::InvalidInput with a message that names the bad argument.
    static CommandLine parse(int argc, char **argv);
    static std::string usage();

    const std::string &command() const { return m_command; }
    const std::vector<std::string> &positionals() const { return m_positionals; }
    bool flag(const std::string &name) const { return m_flags.count(name) != 0; }
    std::optional<std::string> option(const std::string &name) const;
    // The option as an integer in [min, max], or the fallback when absent. Throws InvalidInput.
    long long integer(const std::string &name, long long fallback, long long min, long long max) const;
    double number(const std::string &name, double fallback, double min, double max) const;
    // Every value of a repeatable option (OptionInfo::repeatable), in the order given.
    const std::vector<std::string> &values(const std::string &name) const;
    const std::vector<std::string> &slos() const { return values("slo"); }
    const std::vector<std::string> &faults() const { return values("fault"); }
    // The n-th positional argument, or an InvalidInput saying which one is missing.
    const std::string &positional(std::size_t index, const std::string &what) const;
    void expectPositionals(std::size_t count, const std::string &synopsis) const;

private:
    std::string m_command;
    std::vector<std::string> m_positionals;
    std::map<std::string, std::string> m_options;
    std::set<std::string> m_flags;
    std::map<std::string, std::vector<std::string>> m_repeated;
};
