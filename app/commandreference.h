// The one description of inventory-console's command line: commands, options, environment and exit
// codes. The parser takes its option names from here, and --help, the man page and the bash
// completion are all rendered from it, so the four cannot drift apart. Plain data; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct OptionInfo
{
    std::string_view name;      // without the leading "--"
    std::string_view valueName; // empty for a flag that takes no value
    std::string_view description;
    std::vector<std::string_view> choices; // fixed values, offered by the completion
};

struct CommandInfo
{
    std::string_view name; // empty for the GUI (no subcommand)
    std::string_view arguments;
    std::string_view summary;
    std::vector<std::string_view> options;
};

struct EnvironmentInfo
{
    std::string_view name;
    std::string_view description;
};

struct ExitCodeInfo
{
    int code;
    std::string_view meaning;
};

class CommandReference
{
public:
    static const std::vector<CommandInfo> &commands();
    static const std::vector<OptionInfo> &options();
    static const std::vector<EnvironmentInfo> &environment();
    static const std::vector<ExitCodeInfo> &exitCodes();
    static const OptionInfo *findOption(std::string_view name);
    static const CommandInfo *findCommand(std::string_view name);

    static std::string help();
    static std::string manPage(std::string_view version);
    static std::string bashCompletion();
};
