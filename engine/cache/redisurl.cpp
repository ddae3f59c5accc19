#include "cache/redisurl.h"

#include "errors.h"

#include <cctype>
#include <charconv>
#include <string>
#include <tuple>
#include <utility>

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
std::string maskedAuthority(const std::string &url)
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

// The URL with a sentinel_password=… parameter's value masked too.
std::string masked(const std::string &text)
{
    std::string url = maskedAuthority(text);
    const std::string name = "sentinel_password=";
    if (auto position = url.find(name); position != std::string::npos) {
        const auto valueStart = position + name.size();
        const auto valueEnd = url.find('&', valueStart);
        url = url.substr(0, valueStart) + "***" + (valueEnd == std::string::npos ? "" : url.substr(valueEnd));
    }
    return url;
}
// ?cacert=FILE&cert=FILE&key=FILE&sni=NAME, for rediss:// only; %XX escapes are decoded.
void readQuery(const std::string &query, const std::string &url, RedisUrl &out)
{
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string::npos)
            end = query.size();
        const std::string pair = query.substr(start, end - start);
        start = end + 1;
        if (pair.empty())
            continue;
        const auto equals = pair.find('=');
        const std::string name = pair.substr(0, equals);
        std::string value;
        const std::string raw = equals == std::string::npos ? std::string() : pair.substr(equals + 1);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size() &&
                std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
                std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
                value += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                value += raw[i];
            }
        }
        if (value.empty())
            throw InvalidInput("invalid Redis URL '" + url + "': '" + name + "' needs a value, as in " +
                               name + "=" + (name == "sni" ? "redis.example.com" : "/path/to/file.pem"));
        const bool tlsParameter = name == "cacert" || name == "cert" || name == "key" || name == "sni";
        if (tlsParameter && !out.tls)
            throw InvalidInput(
                "invalid Redis URL '" + url +
                "': parameters (?cacert=…, ?cert=…, ?key=…, ?sni=…) are for TLS; start it with "
                "rediss://");
        if (name == "sentinel_password" && !out.viaSentinel)
            throw InvalidInput("invalid Redis URL '" + url +
                               "': sentinel_password is for redis+sentinel:// URLs");
        if (name == "sentinel_password")
            out.sentinelPassword = value;
        else if (name == "cacert")
            out.caFile = value;
        else if (name == "cert")
            out.certFile = value;
        else if (name == "key")
            out.keyFile = value;
        else if (name == "sni")
            out.serverName = value;
        else
            throw InvalidInput(
                "invalid Redis URL '" + url + "': unknown parameter '" + name +
                "'; rediss:// takes cacert=FILE, cert=FILE, key=FILE and sni=NAME, redis+sentinel:// "
                "takes sentinel_password=PASSWORD");
    }
    if (out.certFile.empty() != out.keyFile.empty())
        throw InvalidInput("invalid Redis URL '" + url +
                           "': a client certificate needs both cert=FILE and key=FILE");
}
// host[:port], or [IPv6][:port].
std::pair<std::string, int> hostAndPort(std::string rest, const std::string &url, int port)
{
    std::string hostPart = rest;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos)
            throw InvalidInput("invalid Redis URL '" + url + "': unclosed '[' in an IPv6 host");
        hostPart = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() == ':')
            port = parseNumber(rest.substr(1), "port", url, 65535);
        else if (!rest.empty())
            throw InvalidInput("invalid Redis URL '" + url + "': expected ':port' after ']', not '" + rest +
                               "'");
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        hostPart = rest.substr(0, colon);
        port = parseNumber(rest.substr(colon + 1), "port", url, 65535);
    }
    if (hostPart.empty())
        throw InvalidInput("invalid Redis URL '" + url +
                           "': the host is missing; expected redis://host:port");
    // A bracket left in the host would make display() write a URL that parses differently.
    if (hostPart.find_first_of("[]") != std::string::npos)
        throw InvalidInput("invalid Redis URL '" + url + "': the host '" + hostPart +
                           "' holds a '[' or ']'; write an IPv6 address in one pair of brackets, as in "
                           "redis://[::1]:6379");
    if (port == 0)
        throw InvalidInput("invalid Redis URL '" + url + "': port 0 is not a port");
    return {hostPart, port};
}
} // namespace

RedisUrl RedisUrl::parse(const std::string &text)
{
    const std::string url = masked(text);
    RedisUrl out;
    std::string rest;
    if (text.rfind("redis://", 0) == 0) {
        rest = text.substr(8);
    } else if (text.rfind("rediss://", 0) == 0) {
        rest = text.substr(9);
        out.tls = true;
    } else if (text.rfind("redis+sentinel://", 0) == 0) {
        rest = text.substr(17);
        out.sentinels.emplace_back();
    } else if (text.rfind("rediss+sentinel://", 0) == 0) {
        rest = text.substr(18);
        out.tls = true;
        out.sentinels.emplace_back();
    } else {
        throw InvalidInput("invalid Redis URL '" + url +
                           "': it must start with redis:// (or rediss:// for TLS, redis+sentinel:// for "
                           "Sentinel), as in redis://127.0.0.1:6379/0");
    }
    // Marks the scheme until the hosts are read.
    const bool viaSentinel = !out.sentinels.empty();
    out.sentinels.clear();
    out.viaSentinel = viaSentinel;
    const auto at = rest.rfind('@');
    if (auto question = rest.find('?', at == std::string::npos ? 0 : at); question != std::string::npos) {
        readQuery(rest.substr(question + 1), url, out);
        rest = rest.substr(0, question);
    }
    if (at != std::string::npos) {
        std::string auth = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (auto colon = auth.find(':'); colon != std::string::npos) {
            out.user = auth.substr(0, colon);
            out.password = auth.substr(colon + 1);
        } else {
            out.password = auth;
        }
    }
    std::string db;
    if (out.viaSentinel) {
        // host:port[,host:port…]/MASTER[/db]
        const auto slash = rest.find('/');
        std::string path = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        const auto dbSlash = path.find('/');
        out.masterName = path.substr(0, dbSlash);
        if (dbSlash != std::string::npos)
            db = path.substr(dbSlash + 1);
        if (out.masterName.empty())
            throw InvalidInput("invalid Redis URL '" + url +
                               "': name the master the Sentinels watch, as in "
                               "redis+sentinel://127.0.0.1:26379/mymaster");
        std::size_t start = 0;
        while (start <= rest.size()) {
            auto end = rest.find(',', start);
            if (end == std::string::npos)
                end = rest.size();
            out.sentinels.push_back(hostAndPort(rest.substr(start, end - start), url, 26379));
            start = end + 1;
        }
        out.host = out.sentinels.front().first;
        out.port = out.sentinels.front().second;
    } else {
        if (auto slash = rest.find('/'); slash != std::string::npos) {
            db = rest.substr(slash + 1);
            rest = rest.substr(0, slash);
        }
        std::tie(out.host, out.port) = hostAndPort(rest, url, 6379);
    }
    if (!db.empty())
        out.db = parseNumber(db, "database", url, 15);
    return out;
}

std::string RedisUrl::display() const
{
    std::string out = std::string(tls ? "rediss" : "redis") + (viaSentinel ? "+sentinel://" : "://");
    if (!user.empty() || !password.empty())
        out += (user.empty() ? std::string() : user + ":") + "***@";
    const auto address = [&out](const std::string &name, int number) {
        // An IPv6 address goes back in brackets, or its last group would read as the port.
        if (name.find(':') != std::string::npos)
            out += '[' + name + ']';
        else
            out += name;
        out += ':';
        out += std::to_string(number);
    };
    if (viaSentinel) {
        for (std::size_t i = 0; i < sentinels.size(); ++i) {
            if (i > 0)
                out += ',';
            address(sentinels[i].first, sentinels[i].second);
        }
        out += '/';
        out += masterName;
    } else {
        address(host, port);
    }
    if (db != 0) {
        out += '/';
        out += std::to_string(db);
    }
    // File names and a server name are not secrets; a reader needs them to see which were used.
    char separator = '?';
    for (const auto &[name, value] :
         {std::pair{"cacert", &caFile}, {"cert", &certFile}, {"key", &keyFile}, {"sni", &serverName}}) {
        if (value->empty())
            continue;
        out += separator;
        out += name;
        out += '=';
        for (const char c : *value) {
            if (c == '%' || c == '&' || c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ') {
                static constexpr char kHex[] = "0123456789ABCDEF";
                out += '%';
                out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
                out += kHex[static_cast<unsigned char>(c) & 0xF];
            } else {
                out += c;
            }
        }
        separator = '&';
    }
    if (!sentinelPassword.empty()) {
        out += separator;
        out += "sentinel_password=***";
    }
    return out;
}

} // namespace inv
