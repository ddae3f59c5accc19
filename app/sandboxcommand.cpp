#include "sandboxcommand.h"

#include "db/pgconnection.h"
#include "errors.h"
#include "sandbox/sandbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <iostream>
#include <optional>

using namespace Qt::Literals::StringLiterals;

namespace {
QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

QJsonObject sandboxJson(const inv::SandboxStatus &s)
{
    QJsonArray mended;
    for (const auto &line : s.mended)
        mended.append(q(line));
    return QJsonObject{
        {u"dir"_s, q(s.dir)},
        {u"postgres"_s, QJsonObject{{u"running"_s, s.pgRunning},
                                    {u"port"_s, s.pgPort},
                                    {u"url"_s, q(s.pgUrl)},
                                    {u"owner_url"_s, q(s.pgOwnerUrl)},
                                    {u"reader_url"_s, q(s.pgReaderUrl)},
                                    {u"os_user"_s, q(s.pgOsUser)},
                                    {u"fast_unsafe"_s, s.fastUnsafe}}},
        {u"redis"_s,
         QJsonObject{{u"running"_s, s.redisRunning}, {u"port"_s, s.redisPort}, {u"url"_s, q(s.redisUrl)}}},
        {u"mended"_s, mended}};
}
} // namespace

SandboxCommand::SandboxCommand(const CommandLine &args) : m_args(args) {}

int SandboxCommand::run()
{
    m_args.expectPositionals(1, "sandbox start|stop|status [--dir DIR] [--json]");
    const std::string &action = m_args.positionals()[0];
    inv::Sandbox sandbox(m_args.option("dir") ? std::filesystem::path(*m_args.option("dir"))
                                              : inv::Sandbox::defaultDir());
    const bool json = m_args.flag("json");
    inv::SandboxStatus status;
    if (action == "start") {
        std::optional<bool> fastUnsafe;
        if (m_args.flag("fast-unsafe"))
            fastUnsafe = true;
        else if (m_args.flag("durable"))
            fastUnsafe = false;
        status = sandbox.start([&](const std::string &line) { std::cerr << line << "\n"; }, fastUnsafe);
    } else if (action == "stop") {
        sandbox.stop();
        status = sandbox.status();
        if (!json) {
            std::cout << "sandbox in " << status.dir << " stopped\n";
            return 0;
        }
    } else if (action == "status") {
        status = sandbox.status();
        for (const auto &mended : status.mended)
            std::cerr << "note: " << mended << "\n";
    } else {
        throw inv::InvalidInput("unknown sandbox action '" + action + "': use start, stop or status");
    }
    if (json) {
        std::cout << QJsonDocument(sandboxJson(status)).toJson(QJsonDocument::Indented).toStdString();
        return 0;
    }
    std::cout << "sandbox: " << status.dir << "\n"
              << "  PostgreSQL " << (status.pgRunning ? "running" : "stopped");
    if (!status.pgOsUser.empty())
        std::cout << " (as OS account '" << status.pgOsUser << "')";
    std::cout << (status.fastUnsafe ? ", FAST-UNSAFE: fsync off, a crash can lose acknowledged writes"
                                    : ", durable (fsync on)");
    // A server started by an older version, or by hand, may run otherwise than the saved mode says.
    if (status.pgRunning) {
        try {
            inv::PgConnection db(status.pgUrl + "?connect_timeout=3");
            const bool off = db.exec("SELECT current_setting('fsync') = 'off' OR "
                                     "current_setting('synchronous_commit') = 'off'")
                                 .text(0, 0) == "t";
            if (off != status.fastUnsafe)
                std::cout << "; but the running server has fsync " << (off ? "off" : "on")
                          << ": restart it (sandbox stop, then sandbox start) to apply the saved mode";
        } catch (const inv::Error &) {
            // Unreachable now: the running state above already says what is known.
        }
    }
    std::cout << "\n    " << status.pgUrl << "\n"
              << "  Redis      " << (status.redisRunning ? "running" : "stopped") << "\n    "
              << status.redisUrl << "\n";
    if (status.pgRunning && status.redisRunning && action != "stop")
        std::cout << "use them with:\n  export INVENTORY_PG_URL='" << status.pgUrl
                  << "'\n  export INVENTORY_REDIS_URL='" << status.redisUrl << "'\n"
                  << "the schema owner, for migrations and DDL (the application does not need it):\n"
                  << "  export INVENTORY_PG_OWNER_URL='" << status.pgOwnerUrl << "'\n"
                  << "the read-only role, for reports and dashboards:\n"
                  << "  export INVENTORY_PG_READER_URL='" << status.pgReaderUrl << "'\n";
    return 0;
}
