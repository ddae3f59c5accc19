#include "auditloader.h"

#include "db/pgconnection.h"
#include "inventory/csvcell.h"

#include <QLocale>
#include <QSaveFile>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
#include <QThread>
#include <QTimeZone>

#include <libpq-fe.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace {

// Every page and export reads these columns in this order.
constexpr auto kSelectColumns =
    "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "floor(extract(epoch FROM at) * 1000)::bigint, sku, action, quantity, stock_before, stock_after, "
    "version, actor, coalesce(server_id, ''), coalesce(reason, '') FROM inventory_audit";

struct ConninfoDeleter
{
    void operator()(PQconninfoOption *options) const { PQconninfoFree(options); }
};

// libpq conninfo quoting: single quotes, with \ and ' escaped.
QString quoteConninfoValue(const QString &value)
{
    const bool plain = !value.isEmpty() && !value.contains(u' ') && !value.contains(u'\'') &&
                       !value.contains(u'\\') && !value.contains(u'\t');
    if (plain)
        return value;
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"'"_s, u"\\'"_s);
    return u'\'' + escaped + u'\'';
}

// A text cell, quoted and with formulas neutralised by the engine's one CSV rule.
QString csvField(const QString &text)
{
    return QString::fromStdString(inv::CsvCell::text(text.toStdString()));
}

QString whereClause(const AuditFilter &filter, const AuditCursor *after, QVariantList &values)
{
    QStringList conditions;
    if (!filter.sku.isEmpty()) {
        conditions << u"sku = ?"_s;
        values << filter.sku;
    }
    if (!filter.action.isEmpty()) {
        conditions << u"action = ?"_s;
        values << filter.action;
    }
    if (!filter.actor.isEmpty()) {
        conditions << u"actor = ?"_s;
        values << filter.actor;
    }
    if (filter.who == AuditFilter::Who::People)
        conditions << u"NOT starts_with(actor, 'sim:')"_s;
    else if (filter.who == AuditFilter::Who::Simulations)
        conditions << u"starts_with(actor, 'sim:')"_s;
    if (!filter.reasonText.isEmpty()) {
        conditions << u"reason ILIKE ? ESCAPE '\\'"_s;
        values << QString(u'%' + AuditLoader::escapeLike(filter.reasonText) + u'%');
    }
    if (filter.from.isValid()) {
        conditions << u"at >= ?::timestamptz"_s;
        values << filter.from.toUTC().toString(Qt::ISODateWithMs);
    }
    if (filter.to.isValid()) {
        conditions << u"at <= ?::timestamptz"_s;
        values << filter.to.toUTC().toString(Qt::ISODateWithMs);
    }
    if (after && after->isValid()) {
        // A row comparison: the (at) and (sku, at) indexes serve it, and ties on `at` stay in order.
        conditions << u"(at, id) < (?::timestamptz, ?::bigint)"_s;
        values << after->atIso << after->id;
    }
    return conditions.isEmpty() ? QString() : u" WHERE "_s + conditions.join(u" AND "_s);
}

} // namespace

AuditLoader::AuditLoader(QObject *parent)
    : QObject(parent), m_connectionName(u"inventory-audit-%1"_s.arg(reinterpret_cast<quintptr>(this), 0, 16))
{}

AuditLoader::~AuditLoader()
{
    close();
}

PgConnectionFields AuditLoader::parseConninfo(const QString &conninfo)
{
    PgConnectionFields fields;
    char *error = nullptr;
    const QByteArray utf8 = conninfo.toUtf8();
    std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(PQconninfoParse(utf8.constData(), &error));
    if (!options) {
        fields.error = error ? QString::fromUtf8(error).trimmed() : u"out of memory"_s;
        PQfreemem(error);
        return fields;
    }
    QStringList extra;
    bool hasConnectTimeout = false;
    bool hasApplicationName = false;
    for (const PQconninfoOption *option = options.get(); option->keyword; ++option) {
        if (!option->val)
            continue;
        const QString keyword = QString::fromUtf8(option->keyword);
        const QString value = QString::fromUtf8(option->val);
        if (keyword == "host"_L1) {
            fields.host = value;
        } else if (keyword == "port"_L1) {
            bool ok = false;
            fields.port = value.toInt(&ok);
            if (!ok)
                fields.error = u"invalid port \"%1\" in the connection string"_s.arg(value);
        } else if (keyword == "dbname"_L1) {
            fields.databaseName = value;
        } else if (keyword == "user"_L1) {
            fields.userName = value;
        } else if (keyword == "password"_L1) {
            fields.password = value;
        } else {
            hasConnectTimeout |= keyword == "connect_timeout"_L1;
            hasApplicationName |= keyword == "application_name"_L1;
            // The QPSQL driver joins options with ';', so a value cannot carry one.
            if (value.contains(u';')) {
                fields.error =
                    u"the value of %1 contains ';', which the Qt PostgreSQL driver cannot pass"_s.arg(
                        keyword);
                continue;
            }
            extra << keyword + u'=' + quoteConninfoValue(value);
        }
    }
    // An unreachable host must not hold the worker for TCP's two minutes.
    if (!hasConnectTimeout)
        extra << u"connect_timeout=5"_s;
    if (!hasApplicationName)
        extra << u"application_name='inventory-console audit'"_s;
    fields.connectOptions = extra.join(u';');
    return fields;
}

QString AuditLoader::escapeLike(const QString &text)
{
    QString escaped;
    escaped.reserve(text.size() + 4);
    for (const QChar c : text) {
        if (c == u'\\' || c == u'%' || c == u'_')
            escaped += u'\\';
        escaped += c;
    }
    return escaped;
}

AuditStatement AuditLoader::pageStatement(const AuditFilter &filter, const AuditCursor &after, int limit)
{
    AuditStatement statement;
    statement.sql = QLatin1StringView(kSelectColumns) + whereClause(filter, &after, statement.values) +
                    u" ORDER BY at DESC, id DESC LIMIT ?"_s;
    statement.values << qint64(limit);
    return statement;
}

AuditStatement AuditLoader::countStatement(const AuditFilter &filter)
{
    AuditStatement statement;
    statement.sql =
        u"SELECT count(*) FROM inventory_audit"_s + whereClause(filter, nullptr, statement.values);
    return statement;
}

void AuditLoader::open(const QString &conninfo)
{
    Q_ASSERT(QThread::currentThread() == thread());
    close();
    m_conninfo = conninfo;
    QString error;
    if (!ensureOpen(&error)) {
        emit failed(error);
        return;
    }
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QString where = db.hostName().isEmpty() ? u"local socket"_s : db.hostName();
    if (db.port() > 0)
        where += u':' + QString::number(db.port());
    emit opened(u"audit log: connected to %1 on %2"_s.arg(db.databaseName(), where));
}

bool AuditLoader::ensureOpen(QString *error)
{
    if (QSqlDatabase::contains(m_connectionName) && QSqlDatabase::database(m_connectionName, false).isOpen())
        return true;
    if (m_conninfo.isEmpty()) {
        *error = u"no PostgreSQL connection configured for the audit log"_s;
        return false;
    }
    const PgConnectionFields fields = parseConninfo(m_conninfo);
    if (!fields.isValid()) {
        *error = u"invalid PostgreSQL connection string: "_s + fields.error;
        return false;
    }
    QSqlDatabase db = QSqlDatabase::contains(m_connectionName)
                          ? QSqlDatabase::database(m_connectionName, false)
                          : QSqlDatabase::addDatabase(u"QPSQL"_s, m_connectionName);
    if (!db.isValid()) {
        *error = u"the Qt PostgreSQL driver (QPSQL) is not installed: install libqt6sql6-psql"_s;
        return false;
    }
    db.setHostName(fields.host);
    db.setPort(fields.port);
    db.setDatabaseName(fields.databaseName);
    db.setUserName(fields.userName);
    db.setPassword(fields.password);
    db.setConnectOptions(fields.connectOptions);
    if (!db.open()) {
        *error = describeFailure(QString(), db.lastError().text());
        return false;
    }
    try {
        m_pooled = inv::PgConnection::pooledEndpoint(m_conninfo.toStdString());
    } catch (const std::exception &) {
        m_pooled = false;
    }
    // A runaway filter gives the worker back instead of holding it indefinitely. Behind a pooler a
    // session SET would reach other clients' sessions: the role's setting holds there.
    QSqlQuery setup(db);
    if (!m_pooled) {
        setup.exec(u"SET statement_timeout = '120s'"_s);
    } else {
        // Qt's driver sets bytea_output for its session as it opens; in transaction pooling that
        // session is a server connection other clients get next, and PgBouncer does not track this
        // setting as it does the client encoding and DateStyle. The log has no bytea column.
        setup.exec(u"RESET bytea_output"_s);
    }
    return true;
}

void AuditLoader::close()
{
    m_statements.clear();
    m_unprepared = QSqlQuery();
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString AuditLoader::describeFailure(const QString &what, const QString &driverText) const
{
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const QString detail = driverText.simplified();
    if (what.isEmpty() || !db.isOpen())
        return u"cannot reach PostgreSQL: %1 — the page retries when you refresh"_s.arg(detail);
    return u"%1 failed: %2 — the page retries when you refresh"_s.arg(what, detail);
}

QSqlQuery *AuditLoader::prepared(const QString &sql, QString *error)
{
    auto it = m_statements.find(sql);
    if (it != m_statements.end())
        return &it.value();
    QSqlQuery query(QSqlDatabase::database(m_connectionName, false));
    if (!query.prepare(sql)) {
        *error = query.lastError().text();
        return nullptr;
    }
    return &m_statements.insert(sql, query).value();
}

QString AuditLoader::withLiterals(const AuditStatement &statement) const
{
    const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QString sql;
    int next = 0;
    bool quoted = false;
    for (const QChar c : statement.sql) {
        if (c == u'\'')
            quoted = !quoted;
        if (c != u'?' || quoted || next >= statement.values.size()) {
            sql += c;
            continue;
        }
        const QVariant &value = statement.values.at(next++);
        QSqlField field(QString(), value.metaType());
        field.setValue(value);
        sql += db.driver()->formatValue(field);
    }
    return sql;
}

bool AuditLoader::run(const AuditStatement &statement, QSqlQuery **query, QString *error)
{
    if (m_pooled) {
        m_unprepared = QSqlQuery(QSqlDatabase::database(m_connectionName, false));
        m_unprepared.setForwardOnly(true);
        if (m_unprepared.exec(withLiterals(statement))) {
            *query = &m_unprepared;
            return true;
        }
        *error = m_unprepared.lastError().text();
        close();
        return false;
    }
    QSqlQuery *q = prepared(statement.sql, error);
    if (q) {
        for (int i = 0; i < statement.values.size(); ++i)
            q->bindValue(i, statement.values.at(i));
        if (q->exec()) {
            *query = q;
            return true;
        }
        *error = q->lastError().text();
    }
    // The connection may be broken: start from a fresh one on the next request.
    bool healthy = false;
    {
        const QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen()) {
            QSqlQuery probe(db);
            healthy = probe.exec(u"SELECT 1"_s);
        }
    }
    if (healthy)
        m_statements.remove(statement.sql);
    else
        close();
    return false;
}

QList<AuditRow> AuditLoader::readRows(QSqlQuery &query, int limit, bool forDisplay, bool *atEnd)
{
    QList<AuditRow> rows;
    rows.reserve(limit);
    *atEnd = true;
    while (query.next()) {
        if (rows.size() == limit) {
            *atEnd = false; // the extra row only says that there is more
            break;
        }
        AuditRow row;
        row.id = query.value(0).toLongLong();
        row.atIso = query.value(1).toString();
        // Local time conversion is slow enough to matter for a million exported rows.
        if (forDisplay) {
            row.atLocal = QDateTime::fromMSecsSinceEpoch(query.value(2).toLongLong(), Qt::UTC)
                              .toLocalTime()
                              .toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s);
        }
        row.sku = query.value(3).toString();
        row.action = query.value(4).toString();
        row.quantity = query.value(5).toInt();
        row.stockBefore = query.value(6).toInt();
        row.stockAfter = query.value(7).toInt();
        row.version = query.value(8).toLongLong();
        row.actor = query.value(9).toString();
        row.serverId = query.value(10).toString();
        row.reason = query.value(11).toString();
        rows.append(std::move(row));
    }
    query.finish();
    return rows;
}

void AuditLoader::fetchPage(quint64 generation, const AuditFilter &filter, const AuditCursor &after,
                            int limit)
{
    Q_ASSERT(QThread::currentThread() == thread());
    QString error;
    if (!ensureOpen(&error)) {
        emit pageFailed(generation, error);
        return;
    }
    QSqlQuery *query = nullptr;
    if (!run(pageStatement(filter, after, limit + 1), &query, &error)) {
        emit pageFailed(generation, describeFailure(u"reading the audit log"_s, error));
        return;
    }
    bool atEnd = true;
    QList<AuditRow> rows = readRows(*query, limit, true, &atEnd);
    emit pageLoaded(generation, rows, atEnd);
}

void AuditLoader::fetchHistory(quint64 generation, const QString &sku, int limit)
{
    Q_ASSERT(QThread::currentThread() == thread());
    QString error;
    if (!ensureOpen(&error)) {
        emit historyFailed(generation, error);
        return;
    }
    // The newest `limit` changes, then put back in time order for the chart.
    const AuditStatement statement{
        u"SELECT ms, stock_after, id FROM (SELECT floor(extract(epoch FROM at) * 1000)::bigint AS ms, "
        "stock_after, at, id FROM inventory_audit WHERE sku = ? ORDER BY at DESC, id DESC LIMIT ?) newest "
        "ORDER BY at, id"_s,
        {sku, qint64(limit)}};
    QSqlQuery *query = nullptr;
    if (!run(statement, &query, &error)) {
        emit historyFailed(generation, describeFailure(u"reading the stock history"_s, error));
        return;
    }
    QList<QPointF> points;
    QList<qint64> ids;
    points.reserve(limit);
    ids.reserve(limit);
    while (query->next()) {
        points.append(QPointF(double(query->value(0).toLongLong()), query->value(1).toDouble()));
        ids.append(query->value(2).toLongLong());
    }
    query->finish();
    emit historyLoaded(generation, sku, points, ids);
}

void AuditLoader::exportCsv(const AuditFilter &filter, const QString &path)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_cancel.store(false, std::memory_order_relaxed);
    QString error;
    if (!ensureOpen(&error)) {
        emit exportFinished(false, 0, error);
        return;
    }
    QSqlQuery *query = nullptr;
    if (!run(countStatement(filter), &query, &error)) {
        emit exportFinished(false, 0, describeFailure(u"counting the rows to export"_s, error));
        return;
    }
    const qint64 total = query->next() ? query->value(0).toLongLong() : 0;
    query->finish();
    emit exportProgress(0, total);

    // QSaveFile: a cancelled or failed export leaves no half-written file behind.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        emit exportFinished(false, 0, u"cannot write %1: %2"_s.arg(path, file.errorString()));
        return;
    }
    file.write("id,at,sku,action,quantity,stock_before,stock_after,version,actor,server_id,reason\n");
    qint64 written = 0;
    AuditCursor cursor;
    bool atEnd = false;
    while (!atEnd) {
        if (m_cancel.load(std::memory_order_relaxed)) {
            file.cancelWriting();
            emit exportFinished(false, written, u"export cancelled; nothing was written"_s);
            return;
        }
        if (!run(pageStatement(filter, cursor, kExportChunk + 1), &query, &error)) {
            file.cancelWriting();
            emit exportFinished(false, written, describeFailure(u"exporting the audit log"_s, error));
            return;
        }
        const QList<AuditRow> rows = readRows(*query, kExportChunk, false, &atEnd);
        QByteArray chunk;
        chunk.reserve(rows.size() * 120);
        for (const AuditRow &row : rows) {
            const QString line = QString::number(row.id) + u',' + row.atIso + u',' + csvField(row.sku) +
                                 u',' + csvField(row.action) + u',' + QString::number(row.quantity) + u',' +
                                 QString::number(row.stockBefore) + u',' + QString::number(row.stockAfter) +
                                 u',' + QString::number(row.version) + u',' + csvField(row.actor) + u',' +
                                 csvField(row.serverId) + u',' + csvField(row.reason) + u'\n';
            chunk += line.toUtf8();
        }
        if (file.write(chunk) != chunk.size()) {
            file.cancelWriting();
            emit exportFinished(false, written, u"cannot write %1: %2"_s.arg(path, file.errorString()));
            return;
        }
        written += rows.size();
        if (!rows.isEmpty())
            cursor = rows.constLast().cursor();
        emit exportProgress(written, qMax(total, written));
    }
    if (!file.commit()) {
        emit exportFinished(false, written, u"cannot write %1: %2"_s.arg(path, file.errorString()));
        return;
    }
    emit exportFinished(true, written, u"exported %1 rows to %2"_s.arg(QLocale().toString(written), path));
}
