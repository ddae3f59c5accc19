#include "connectiondialog.h"

#include "cache/redisconnection.h"
#include "db/pgconnection.h"

#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <libpq-fe.h>

namespace {
// libpq quoting for keyword=value strings: single quotes, with \ and ' escaped.
QString quoted(const QString &value)
{
    QString out = value;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    out.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

// user:password@ in a redis:// or postgresql:// URL.
const QRegularExpression &urlCredentials()
{
    static const QRegularExpression credentials(
        QStringLiteral("^((?:rediss?|postgres(?:ql)?)://)([^@/\\s]*)@"));
    return credentials;
}

// The text with the password of every URL in it masked, for a field that shows what was pasted.
QString maskedUrls(const QString &text)
{
    static const QRegularExpression password(
        QStringLiteral("((?:rediss?|postgres(?:ql)?)://[^:@/\\s'\"]*:)[^@/\\s'\"]+@"));
    QString out = text;
    out.replace(password, QStringLiteral("\\1***@"));
    return out;
}

QString resultHtml(bool ok, const QString &text)
{
    return ok ? QStringLiteral("<span style='color:#268b46'>✓ %1</span>").arg(text.toHtmlEscaped())
              : QStringLiteral("<span style='color:#dc322f'>✗ %1</span>").arg(text.toHtmlEscaped());
}
} // namespace

ConnectionDialog::ConnectionDialog(QWidget *parent)
    : QDialog(parent), m_url(new QLineEdit(this)), m_urlResult(new QLabel(this)),
      m_host(new QLineEdit(QStringLiteral("127.0.0.1"), this)), m_port(new QSpinBox(this)),
      m_database(new QLineEdit(QStringLiteral("inventory"), this)), m_user(new QLineEdit(this)),
      m_password(new QLineEdit(this)), m_redis(new QLineEdit(QStringLiteral("redis://127.0.0.1:6379"), this)),
      m_redisPassword(new QLineEdit(this)), m_test(new QPushButton(tr("Test"), this)), m_ok(nullptr),
      m_pgResult(new QLabel(this)), m_redisResult(new QLabel(this))
{
    setWindowTitle(tr("Connect"));
    m_port->setRange(1, 65535);
    m_port->setValue(5432);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("not saved; .pgpass and PGPASSWORD also work"));
    m_redis->setPlaceholderText(QStringLiteral("redis://[user@]host:port[/db]"));
    m_redis->setObjectName(QStringLiteral("redisUrl"));
    m_redisPassword->setEchoMode(QLineEdit::Password);
    m_redisPassword->setObjectName(QStringLiteral("redisPassword"));
    m_redisPassword->setPlaceholderText(tr("not saved; none if Redis needs none"));
    m_password->setObjectName(QStringLiteral("pgPassword"));
    // Errors from libpq run to several lines: shown whole, wrapped, and selectable for a bug report.
    m_pgResult->setWordWrap(true);
    m_redisResult->setWordWrap(true);
    m_pgResult->setObjectName(QStringLiteral("pgResult"));
    m_redisResult->setObjectName(QStringLiteral("redisResult"));
    m_pgResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_redisResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pgResult->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::MinimumExpanding);
    m_url->setObjectName(QStringLiteral("url"));
    m_url->setPlaceholderText(tr("paste postgresql://… or redis://… (as 'sandbox status' prints them)"));
    m_url->setClearButtonEnabled(true);
    m_urlResult->setWordWrap(true);
    m_urlResult->hide();

    auto *paste = new QFormLayout;
    paste->addRow(tr("URL"), m_url);
    paste->addRow(QString(), m_urlResult);
    auto *pg = new QGroupBox(tr("PostgreSQL"), this);
    auto *pgForm = new QFormLayout(pg);
    pgForm->addRow(tr("Host"), m_host);
    pgForm->addRow(tr("Port"), m_port);
    pgForm->addRow(tr("Database"), m_database);
    pgForm->addRow(tr("User"), m_user);
    pgForm->addRow(tr("Password"), m_password);
    pgForm->addRow(QString(), m_pgResult);
    auto *redis = new QGroupBox(tr("Redis"), this);
    auto *redisForm = new QFormLayout(redis);
    redisForm->addRow(tr("URL"), m_redis);
    redisForm->addRow(tr("Password"), m_redisPassword);
    redisForm->addRow(QString(), m_redisResult);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->addButton(m_test, QDialogButtonBox::ActionRole);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Connect"));
    // Enter connects, whichever button had the focus: Test disables itself while it runs, and the
    // focus it gives away must not make Cancel the button Enter presses.
    m_ok->setDefault(true);
    m_test->setAutoDefault(false);
    buttons->button(QDialogButtonBox::Cancel)->setAutoDefault(false);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(paste);
    layout->addWidget(pg);
    layout->addWidget(redis);
    layout->addWidget(buttons);
    setMinimumWidth(560);

    connect(m_test, &QPushButton::clicked, this, &ConnectionDialog::test);
    connect(m_url, &QLineEdit::textChanged, this, [this](const QString &text) {
        if (text.trimmed().isEmpty()) {
            m_urlResult->hide();
            return;
        }
        const bool found = applyPastedUrls(text);
        // What was pasted stays visible, its passwords masked: they are in the password fields now.
        const QString masked = maskedUrls(text);
        if (masked != text) {
            const QSignalBlocker blocker(m_url);
            m_url->setText(masked);
        }
        m_urlResult->setText(found ? tr("The fields below were filled from the URL.")
                                   : tr("Not a postgresql:// or redis:// URL yet."));
        m_urlResult->show();
    });
    // Enter in the URL field fills the fields; it does not connect yet.
    connect(m_url, &QLineEdit::returnPressed, m_host, [this] { m_host->setFocus(); });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

ConnectionDialog::~ConnectionDialog() = default;

void ConnectionDialog::setConnection(const QString &pgConninfo, const QString &redisUrl)
{
    char *error = nullptr;
    PQconninfoOption *options = PQconninfoParse(pgConninfo.toUtf8().constData(), &error);
    PQfreemem(error);
    if (options) {
        for (PQconninfoOption *o = options; o->keyword; ++o) {
            if (!o->val)
                continue;
            const QString value = QString::fromUtf8(o->val);
            const QLatin1StringView key(o->keyword);
            if (key == QLatin1String("host") || key == QLatin1String("hostaddr"))
                m_host->setText(value);
            else if (key == QLatin1String("port"))
                m_port->setValue(value.toInt());
            else if (key == QLatin1String("dbname"))
                m_database->setText(value);
            else if (key == QLatin1String("user"))
                m_user->setText(value);
            else if (key == QLatin1String("password"))
                m_password->setText(value);
        }
        PQconninfoFree(options);
    }
    if (!redisUrl.isEmpty())
        setRedisUrl(redisUrl);
}

void ConnectionDialog::setRedisUrl(const QString &url)
{
    const QRegularExpressionMatch credentials = urlCredentials().match(url);
    if (!credentials.hasMatch()) {
        m_redis->setText(url);
        m_redisPassword->clear();
        return;
    }
    // The URL parser's rule: the first ':' before the '@' ends the user name.
    const QString auth = credentials.captured(2);
    const qsizetype colon = auth.indexOf(QLatin1Char(':'));
    const QString user = colon < 0 ? QString() : auth.left(colon);
    m_redisPassword->setText(colon < 0 ? auth : auth.mid(colon + 1));
    m_redis->setText(credentials.captured(1) + (user.isEmpty() ? QString() : user + QLatin1Char('@')) +
                     url.mid(credentials.capturedEnd(0)));
}

void ConnectionDialog::fitHeight()
{
    // A window's minimum size ignores height-for-width, so a wrapped error would be cut: each
    // result asks for the height its text needs at its width, and the dialog grows downwards.
    for (QLabel *label : {m_pgResult, m_redisResult})
        label->setMinimumHeight(label->text().isEmpty() ? 0 : label->heightForWidth(label->width()));
    layout()->activate();
    if (minimumSizeHint().height() > height())
        resize(width(), minimumSizeHint().height());
}

bool ConnectionDialog::applyPastedUrls(const QString &text)
{
    static const QRegularExpression pgUrl(QStringLiteral("postgres(?:ql)?://[^\\s'\"]+"));
    static const QRegularExpression redisUrl(QStringLiteral("rediss?://[^\\s'\"]+"));
    const QRegularExpressionMatch pg = pgUrl.match(text);
    const QRegularExpressionMatch redis = redisUrl.match(text);
    if (pg.hasMatch())
        setConnection(pg.captured(), {});
    if (redis.hasMatch())
        setRedisUrl(redis.captured());
    return pg.hasMatch() || redis.hasMatch();
}

QString ConnectionDialog::pgConninfo(bool withPassword) const
{
    QStringList parts{QStringLiteral("host=") + quoted(m_host->text().trimmed()),
                      QStringLiteral("port=") + QString::number(m_port->value()),
                      QStringLiteral("dbname=") + quoted(m_database->text().trimmed()),
                      QStringLiteral("connect_timeout=5")};
    if (!m_user->text().trimmed().isEmpty())
        parts << QStringLiteral("user=") + quoted(m_user->text().trimmed());
    if (withPassword && !m_password->text().isEmpty())
        parts << QStringLiteral("password=") + quoted(m_password->text());
    return parts.join(QLatin1Char(' '));
}

QString ConnectionDialog::redisUrl(bool withPassword) const
{
    const QString url = m_redis->text().trimmed();
    if (!withPassword || m_redisPassword->text().isEmpty())
        return url;
    // A user name typed in the URL (redis://user@host) keeps its place before the password.
    const QRegularExpressionMatch credentials = urlCredentials().match(url);
    if (credentials.hasMatch())
        return credentials.captured(1) + credentials.captured(2) + QLatin1Char(':') +
               m_redisPassword->text() + QLatin1Char('@') + url.mid(credentials.capturedEnd(0));
    const qsizetype scheme = url.indexOf(QStringLiteral("://"));
    if (scheme < 0)
        return url;
    return url.left(scheme + 3) + QLatin1Char(':') + m_redisPassword->text() + QLatin1Char('@') +
           url.mid(scheme + 3);
}

void ConnectionDialog::test()
{
    m_test->setEnabled(false);
    m_ok->setDefault(true);
    m_pgResult->setText(tr("testing…"));
    m_redisResult->setText(tr("testing…"));
    const std::string pg = pgConninfo().toStdString();
    const std::string redis = redisUrl().toStdString();
    QPointer<ConnectionDialog> self(this);
    // The round trips run off the GUI thread; the answer comes back through the dialog's queue.
    QThread *worker = QThread::create([self, pg, redis] {
        QString pgText, redisText;
        bool pgOk = false, redisOk = false;
        QElapsedTimer timer;
        try {
            timer.start();
            inv::PgConnection connection(pg);
            std::string version = connection.exec("SELECT current_setting('server_version')").text(0, 0);
            version = version.substr(0, version.find(' ')); // "15.20 (Debian …)" -> "15.20"
            pgText = QObject::tr("PostgreSQL %1, round trip %2 ms")
                         .arg(QString::fromStdString(version))
                         .arg(double(timer.nsecsElapsed()) / 1e6, 0, 'f', 1);
            pgOk = true;
        } catch (const std::exception &e) {
            pgText = QString::fromUtf8(e.what());
        }
        try {
            timer.start();
            inv::RedisConnection connection(inv::RedisUrl::parse(redis), inv::RedisTimeouts{});
            connection.command({"PING"});
            redisText = QObject::tr("Redis answered PING in %1 ms")
                            .arg(double(timer.nsecsElapsed()) / 1e6, 0, 'f', 1);
            redisOk = true;
        } catch (const std::exception &e) {
            redisText = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            self.data(),
            [self, pgOk, pgText, redisOk, redisText] {
                if (!self)
                    return;
                self->m_pgResult->setText(resultHtml(pgOk, pgText));
                self->m_redisResult->setText(resultHtml(redisOk, redisText));
                self->m_test->setEnabled(true);
                self->m_ok->setDefault(true);
                self->fitHeight();
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}
