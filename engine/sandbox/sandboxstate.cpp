#include "sandbox/sandboxstate.h"

#include "errors.h"
#include "sandbox/postgresaccount.h"
#include "sandbox/sandboxsupport.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace inv {

namespace {

std::string randomPassword()
{
    // Letters and digits only, so that the password needs no escaping in a URL or a conninfo string.
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::uniform_int_distribution<size_t> pick(0, sizeof(alphabet) - 2);
    std::string password(24, ' ');
    for (char &c : password)
        c = alphabet[pick(device)];
    return password;
}

} // namespace

std::optional<SandboxState> SandboxState::read(const fs::path &dir)
{
    std::ifstream in(dir / "sandbox.conf");
    if (!in)
        return std::nullopt;
    SandboxState state;
    std::string line;
    while (std::getline(in, line)) {
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string::npos)
            continue;
        const std::string key = sandbox::trimmed(line.substr(0, equals));
        const std::string value = sandbox::trimmed(line.substr(equals + 1));
        if (key == "pg_port")
            state.pgPort = std::atoi(value.c_str());
        else if (key == "redis_port")
            state.redisPort = std::atoi(value.c_str());
        else if (key == "pg_password")
            state.pgPassword = value;
        else if (key == "pg_owner_password")
            state.pgOwnerPassword = value;
        else if (key == "pg_app_password")
            state.pgAppPassword = value;
        else if (key == "pg_reader_password")
            state.pgReaderPassword = value;
        else if (key == "redis_password")
            state.redisPassword = value;
        else if (key == "pg_os_user")
            state.pgOsUser = value;
        else if (key == "pg_fast_unsafe")
            state.fastUnsafe = value == "1";
    }
    return state;
}

SandboxState SandboxState::loadOrCreate(const fs::path &dir, const Sandbox::Progress &progress)
{
    const fs::path file = dir / "sandbox.conf";
    const bool clusterExists = sandbox::pathExists(dir / "pg" / "PG_VERSION");
    std::optional<SandboxState> state = read(dir);
    if (state && !state->pgPassword.empty()) {
        bool added = false;
        for (std::string *password : {&state->pgOwnerPassword, &state->pgAppPassword,
                                      &state->pgReaderPassword, &state->redisPassword}) {
            if (password->empty()) {
                *password = randomPassword();
                added = true;
            }
        }
        if (added)
            state->save(dir);
        return *state;
    }
    if (clusterExists)
        throw SandboxError((dir / "pg").string() + " holds a PostgreSQL cluster but " + file.string() +
                           ", which keeps its password, is missing or incomplete; stop any server still "
                           "running from it and delete " +
                           dir.string() + " to start fresh, or pick another --dir");
    if (!state) {
        state = SandboxState{};
        sandbox::report(progress, "writing the sandbox settings to " + file.string());
    }
    state->pgPassword = randomPassword();
    state->pgOwnerPassword = randomPassword();
    state->pgAppPassword = randomPassword();
    state->pgReaderPassword = randomPassword();
    state->redisPassword = randomPassword();
    state->pgOsUser = PostgresAccount::expectedName();
    state->save(dir);
    return *state;
}

void SandboxState::save(const fs::path &dir) const
{
    const fs::path file = dir / "sandbox.conf";
    const fs::path temporary = dir / "sandbox.conf.tmp";
    std::ostringstream out;
    out << "# inventory-console sandbox: ports and the passwords of the private PostgreSQL and Redis\n"
        << "pg_port=" << pgPort << "\n"
        << "redis_port=" << redisPort << "\n"
        << "pg_password=" << pgPassword << "\n"
        << "pg_owner_password=" << pgOwnerPassword << "\n"
        << "pg_app_password=" << pgAppPassword << "\n"
        << "pg_reader_password=" << pgReaderPassword << "\n"
        << "redis_password=" << redisPassword << "\n"
        << "pg_os_user=" << pgOsUser << "\n"
        << "pg_fast_unsafe=" << (fastUnsafe ? 1 : 0) << "\n";
    sandbox::writePrivateFile(temporary, out.str());
    // Rename so that a reader never sees half a file.
    std::error_code ec;
    fs::rename(temporary, file, ec);
    if (ec)
        throw SandboxError("cannot save " + file.string() + ": " + ec.message() +
                           "; check the permissions of " + dir.string());
}

} // namespace inv
