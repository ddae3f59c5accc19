// Fuzzes RedisUrl::parse (--redis, INVENTORY_REDIS_URL, the connection dialog): what it accepts is a
// usable address that display() shows again without the password and that parses back the same, and
// no refusal quotes the password.
#include "fuzzcheck.h"

#include "cache/redisurl.h"
#include "errors.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

using inv::RedisUrl;

namespace {
const std::string kScheme = "redis://";

// The refusal's message, or nothing if the URL was accepted.
std::optional<std::string> refusal(const std::string &text)
{
    try {
        RedisUrl::parse(text);
        return std::nullopt;
    } catch (const inv::InvalidInput &e) {
        return std::string(e.what());
    }
}

// The URL with its password, as parse() splits it, replaced by another: the outcome must not change.
std::optional<std::string> withOtherPassword(const std::string &text)
{
    if (text.rfind(kScheme, 0) != 0)
        return std::nullopt;
    const std::string rest = text.substr(kScheme.size());
    const auto at = rest.rfind('@');
    if (at == std::string::npos)
        return std::nullopt;
    const std::string auth = rest.substr(0, at);
    const auto colon = auth.find(':');
    const std::string user = colon == std::string::npos ? std::string() : auth.substr(0, colon + 1);
    const std::string password = colon == std::string::npos ? auth : auth.substr(colon + 1);
    const std::string other = password == "Z" ? "Y" : "Z";
    return kScheme + user + other + rest.substr(at);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char *>(data), size);
    const auto message = refusal(text);
    if (const auto other = withOtherPassword(text))
        FUZZ_CHECK(refusal(*other) == message);
    if (message)
        return 0;

    const RedisUrl url = RedisUrl::parse(text);
    FUZZ_CHECK(!url.host.empty());
    FUZZ_CHECK(url.port >= 1 && url.port <= 65535);
    FUZZ_CHECK(url.db >= 0 && url.db <= 15);
    const std::string shown = url.display();
    // display() does not depend on what the password is, only on whether there is one.
    RedisUrl masked = url;
    masked.password.assign(url.password.empty() ? 0 : 1, 'x');
    FUZZ_CHECK(masked.display() == shown);

    const auto again = refusal(shown);
    FUZZ_CHECK(!again);
    const RedisUrl reparsed = RedisUrl::parse(shown);
    FUZZ_CHECK(reparsed.host == url.host);
    FUZZ_CHECK(reparsed.port == url.port);
    FUZZ_CHECK(reparsed.db == url.db);
    FUZZ_CHECK(reparsed.user == url.user);
    return 0;
}
