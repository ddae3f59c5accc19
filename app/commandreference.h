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
    // Given more than once, every value is kept in order (--slo, --fault); any other option given
    // twice is refused.
    bool repeatable = false;
};

struct CommandInfo
{
    std::string_view name; // empty for the GUI (no subcommand)
    std::string_view arguments;
    std::string_view summary;
    std::vector<std::string_view> options; // besides the global ones, --help and --version

    bool takes(std::string_view option) const;
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
    // --help and --version: every command takes them.
    static bool isGlobal(std::string_view option);
    // "simulate and the console window": who takes the option, for the message that refuses it.
    static std::string takersOf(std::string_view option);
    // How to name a command in a message: 'stock', or the console window for the empty name.
    static std::string displayName(const CommandInfo &command);

    static std::string help();
    // `inventory-console COMMAND --help`: the command's synopsis and its options, described.
    static std::string help(const CommandInfo &command);
    static std::string manPage(std::string_view version);
    static std::string bashCompletion();
};
