// The engine's typed errors. Every failure the engine reports is one of these, so that the CLI, the
// UI adapter and the simulation workers can turn it into an exit code, a message or a counter.
// Thread-safe to throw and catch anywhere; they hold only strings.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace inv {

class Error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Bad input from a caller: nothing was written. Maps to exit code 2.
class InvalidInput : public Error
{
public:
    using Error::Error;
};

class UnknownSku : public InvalidInput
{
public:
    explicit UnknownSku(const std::string &sku)
        : InvalidInput("unknown SKU '" + sku + "': create it with 'add' or list products with 'init'"),
          m_sku(sku)
    {}
    const std::string &sku() const { return m_sku; }

private:
    std::string m_sku;
};

// A refusal, not a failure: the purchase would take stock below zero. Maps to exit code 1.
class InsufficientStock : public Error
{
public:
    InsufficientStock(const std::string &sku, int available, int requested)
        : Error("not enough stock for '" + sku + "': " + std::to_string(available) + " available, " +
                std::to_string(requested) + " requested"),
          m_available(available), m_requested(requested)
    {}
    int available() const { return m_available; }
    int requested() const { return m_requested; }

private:
    int m_available;
    int m_requested;
};

// A refusal: the caller changed a product on the strength of a version that is no longer current
// (an adjust computed from what a screen showed). Nothing was written. Maps to exit code 1.
class VersionConflict : public Error
{
public:
    VersionConflict(const std::string &sku, std::int64_t expected, std::int64_t current, int currentStock,
                    const std::string &hint = {})
        : Error("'" + sku + "' changed since version " + std::to_string(expected) +
                ": it is now at version " + std::to_string(current) + " with stock " +
                std::to_string(currentStock) + "; nothing was written. " +
                (hint.empty() ? "Look at the new stock and apply again with --expect-version " +
                                    std::to_string(current)
                              : hint)),
          m_sku(sku), m_expected(expected), m_current(current), m_currentStock(currentStock)
    {}
    const std::string &sku() const { return m_sku; }
    std::int64_t expectedVersion() const { return m_expected; }
    std::int64_t currentVersion() const { return m_current; }
    int currentStock() const { return m_currentStock; }

private:
    std::string m_sku;
    std::int64_t m_expected;
    std::int64_t m_current;
    int m_currentStock;
};

// PostgreSQL failures keep their SQLSTATE so that callers can tell a serialization failure from a
// broken connection. Class 08 means the connection is gone.
class DbError : public Error
{
public:
    DbError(const std::string &message, std::string sqlstate)
        : Error(message), m_sqlstate(std::move(sqlstate))
    {}
    const std::string &sqlstate() const { return m_sqlstate; }
    bool isConnectionFailure() const { return m_sqlstate.rfind("08", 0) == 0 || m_sqlstate.empty(); }
    // The session is gone: the connection broke, or the server ended it (57P01 when an administrator
    // terminated the backend, 57P02/57P03 while it shuts down or starts). A new connection may work.
    bool sessionEnded() const { return isConnectionFailure() || m_sqlstate.rfind("57P", 0) == 0; }

private:
    std::string m_sqlstate;
};

// The server did not answer within the client-side deadline: the connection was dropped, as a hung
// server would otherwise hold the calling thread forever. A connection failure (SQLSTATE 08006).
class DbTimeout : public DbError
{
public:
    explicit DbTimeout(const std::string &message) : DbError(message, "08006") {}
};

class PoolTimeout : public Error
{
public:
    using Error::Error;
};

// Redis failures. IoError and TimeoutError mean the server is unreachable; ReplyError is an error
// reply from a healthy server; Unavailable is raised without touching the network while the
// circuit breaker is open after a recent failure.
// A load thread or event loop could not be created (address-space, process or memory limits): the
// run ends with this error rather than with partial load. Maps to exit code 3, as every Error.
class ThreadStartError : public Error
{
public:
    using Error::Error;
};

class CacheError : public Error
{
public:
    using Error::Error;
};

class CacheIoError : public CacheError
{
public:
    using CacheError::CacheError;
};

class CacheTimeoutError : public CacheIoError
{
public:
    using CacheIoError::CacheIoError;
};

class CacheReplyError : public CacheError
{
public:
    using CacheError::CacheError;
};

class CacheUnavailable : public CacheError
{
public:
    using CacheError::CacheError;
};

class SandboxError : public Error
{
public:
    using Error::Error;
};

} // namespace inv
