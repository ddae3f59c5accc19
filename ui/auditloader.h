// Runs the audit page's queries on inventory_audit through its own QPSQL connection. An AuditLoader
// lives in a worker thread owned by the page: call its slots through queued connections only, and
// receive plain row structs back through its queued signals. requestCancel() and the static
// helpers may be called from any thread. Errors are signals, never exceptions.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointF>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

#include <atomic>

// What the operator narrowed the log to. Empty strings and invalid times mean "any".
struct AuditFilter
{
    QString sku;    // exact match
    QString action; // purchase, restock or adjust
    QString actor;  // exact match
    enum class Who
    {
        Everyone,
        People,
        Simulations
    };
    Who who = Who::Everyone; // people's changes, or simulated buyers' (actor "sim:...")
    QString reasonText;      // case-insensitive substring, taken literally
    QDateTime from;          // inclusive
    QDateTime to;            // inclusive

    bool operator==(const AuditFilter &other) const = default;
};

// Where the next page starts: strictly older than (at, id) of the last row shown.
struct AuditCursor
{
    QString atIso; // the row's `at`, ISO 8601 UTC with microseconds, exact for the comparison
    qint64 id = 0;

    bool isValid() const { return id > 0; }
};

// One audit row, as the table shows it. Display strings are made in the worker.
struct AuditRow
{
    qint64 id = 0;
    QString atIso;   // UTC, microseconds
    QString atLocal; // local time for the table
    QString sku;
    QString action;
    int quantity = 0;
    int stockBefore = 0;
    int stockAfter = 0;
    qint64 version = 0;
    QString actor;
    QString serverId;
    QString reason;

    AuditCursor cursor() const { return AuditCursor{atIso, id}; }
};

// The connection fields libpq understands, taken apart for QSqlDatabase.
struct PgConnectionFields
{
    QString host;
    int port = -1;
    QString databaseName;
    QString userName;
    QString password;
    QString connectOptions; // the remaining keywords, "key=value;key='quoted value'"
    QString error;          // set when libpq could not parse the string

    bool isValid() const { return error.isEmpty(); }
};

// A statement and its bound values; the text holds only fixed fragments and '?' placeholders.
struct AuditStatement
{
    QString sql;
    QVariantList values;
};

class AuditLoader : public QObject
{
    Q_OBJECT

public:
    static constexpr int kExportChunk = 5000;

    explicit AuditLoader(QObject *parent = nullptr);
    ~AuditLoader() override;

    // Before the loader is moved to its thread: the connection to open on the first request.
    void setConninfo(const QString &conninfo) { m_conninfo = conninfo; }
    // Any thread: stops a running export after the chunk in hand.
    void requestCancel() { m_cancel.store(true, std::memory_order_relaxed); }

    static PgConnectionFields parseConninfo(const QString &conninfo);
    // Escapes LIKE's wildcards so that the operator's text is matched literally.
    static QString escapeLike(const QString &text);
    // SELECT of one page of rows matching the filter, newest first, after the cursor if valid.
    static AuditStatement pageStatement(const AuditFilter &filter, const AuditCursor &after, int limit);
    static AuditStatement countStatement(const AuditFilter &filter);

public slots:
    // Opens (or reopens) the connection. Emits opened or failed.
    void open(const QString &conninfo);
    // Emits pageLoaded or pageFailed with the same generation.
    void fetchPage(quint64 generation, const AuditFilter &filter, const AuditCursor &after, int limit);
    // The latest `limit` (at, stock_after) points of one SKU, oldest first; x is ms since the epoch.
    // ids holds each point's audit row id.
    void fetchHistory(quint64 generation, const QString &sku, int limit);
    // Writes every row matching the filter to a CSV file, in chunks, reporting progress.
    void exportCsv(const AuditFilter &filter, const QString &path);

signals:
    void opened(const QString &description);
    void failed(const QString &message);
    void pageLoaded(quint64 generation, const QList<AuditRow> &rows, bool atEnd);
    void pageFailed(quint64 generation, const QString &message);
    void historyLoaded(quint64 generation, const QString &sku, const QList<QPointF> &points,
                       const QList<qint64> &ids);
    void historyFailed(quint64 generation, const QString &message);
    void exportProgress(qint64 written, qint64 total);
    void exportFinished(bool ok, qint64 rows, const QString &message);

private:
    bool ensureOpen(QString *error);
    void close();
    // Prepares each distinct statement once per connection; the driver keeps it server-side.
    QSqlQuery *prepared(const QString &sql, QString *error);
    bool run(const AuditStatement &statement, QSqlQuery **query, QString *error);
    // The statement with each ? replaced by its value, quoted by the driver.
    QString withLiterals(const AuditStatement &statement) const;
    QList<AuditRow> readRows(QSqlQuery &query, int limit, bool forDisplay, bool *atEnd);
    QString describeFailure(const QString &what, const QString &driverText) const;

    QString m_connectionName;
    QString m_conninfo;
    QHash<QString, QSqlQuery> m_statements;
    // Behind a pooler (PgConnection::pooled()) the next statement may run on another server
    // session: no named statement and no session SET; each query carries its values as literals.
    bool m_pooled = false;
    QSqlQuery m_unprepared;
    std::atomic<bool> m_cancel{false};
};
