#include "cache/redisurl.h"

#include "errors.h"

#include <charconv>

namespace inv {

namespace {
int parseNumber(const std::string &text, const std::string &what, const std::string &url, int max)
{
    int value = -1;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0 || value > max)
        throw InvalidInput("invalid Redis URL '" + url + "': " + what + " '" + text +
                           "' is not a number from 0 to " + std::to_string(max) +
                           "; expected redis://[user:password@]host:port[/db]");
    return value;
}

// The URL as error messages show it: the password, if any, masked as display() masks it.
std::string masked(const std::string &url)
{
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto at = url.rfind('@');
    if (at == std::string::npos || at < start)
        return url;
    const auto colon = url.find(':', start);
    const auto userEnd = colon != std::string::npos && colon < at ? colon + 1 : start;
    return url.substr(0, userEnd) + "***" + url.substr(at);
}
} // namespace

RedisUrl RedisUrl::parse(const std::string &text)
{
    const std::string url = masked(text);
    const std::string scheme = "redis://";
    if (text.rfind(scheme, 0) != 0)
        throw InvalidInput("invalid Redis URL '" + url +
                           "': it must start with redis://, as in redis://127.0.0.1:6379/0");
    RedisUrl out;
    std::string rest = text.substr(scheme.size());
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        std::string auth = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (auto colon = auth.find(':'); colon != std::string::npos) {
            out.user = auth.substr(0, colon);
            out.password = auth.substr(colon + 1);
        } else {
            out.password = auth;
        }
    }
    if (auto slash = rest.find('/'); slash != std::string::npos) {
        std::string db = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (!db.empty())
            out.db = parseNumber(db, "database", url, 15);
    }
    std::string hostPart = rest;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos)
            throw InvalidInput("invalid Redis URL '" + url + "': unclosed '[' in an IPv6 host");
        hostPart = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() == ':')
            out.port = parseNumber(rest.substr(1), "port", url, 65535);
        else if (!rest.empty())
            throw InvalidInput("invalid Redis URL '" + url + "': expected ':port' after ']', not '" + rest +
                               "'");
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        hostPart = rest.substr(0, colon);
        out.port = parseNumber(rest.substr(colon + 1), "port", url, 65535);
    }
    if (hostPart.empty())
        throw InvalidInput("invalid Redis URL '" + url +
                           "': the host is missing; expected redis://host:port");
    // A bracket left in the host would make display() write a URL that parses differently.
    if (hostPart.find_first_of("[]") != std::string::npos)
        throw InvalidInput("invalid Redis URL '" + url + "': the host '" + hostPart +
                           "' holds a '[' or ']'; write an IPv6 address in one pair of brackets, as in "
                           "redis://[::1]:6379");
    if (out.port == 0)
        throw InvalidInput("invalid Redis URL '" + url + "': port 0 is not a port");
    out.host = hostPart;
    return out;
}

std::string RedisUrl::display() const
{
    std::string out = "redis://";
    if (!user.empty() || !password.empty())
        out += (user.empty() ? std::string() : user + ":") + "***@";
    // An IPv6 address goes back in brackets, or its last group would read as the port.
    if (host.find(':') != std::string::npos)
        out += '[' + host + ']';
    else
        out += host;
    out += ':';
    out += std::to_string(port);
    if (db != 0) {
        out += '/';
        out += std::to_string(db);
    }
    return out;
}

} // namespace inv
