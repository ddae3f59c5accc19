#include "serverspage.h"

#include "monitor/servermonitor.h"
#include "pgserverpanel.h"
#include "redisserverpanel.h"

#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QThread>
#include <QVBoxLayout>

ServersPage::ServersPage(QWidget *parent)
    : QWidget(parent), m_pg(new PgServerPanel(this)), m_redis(new RedisServerPanel(this))
{
    // PostgreSQL's half gets the larger share: its sessions table has the most columns.
    auto *halves = new QSplitter(Qt::Horizontal);
    halves->setChildrenCollapsible(false);
    halves->addWidget(m_pg);
    halves->addWidget(m_redis);
    halves->setStretchFactor(0, 3);
    halves->setStretchFactor(1, 2);
    auto *caption = new QLabel(tr("Sampled once a second on the console's own connections, not the "
                                  "application's pools; paused while this page is hidden. Charts show "
                                  "the last two minutes."),
                               this);
    caption->setWordWrap(true);
    QFont small = caption->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    caption->setFont(small);
    caption->setForegroundRole(QPalette::PlaceholderText);
    // Below the halves' minimum width (a 1024 px window) the page scrolls rather than widening the window.
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("serversScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(halves);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll, 1);
    layout->addWidget(caption);

    m_poll.setInterval(500);
    connect(&m_poll, &QTimer::timeout, this, &ServersPage::poll);
}

// The monitor's threads stop within one bounded sample: a refused connection ends at once, a hung
// server within the monitor's short connect and statement timeouts.
ServersPage::~ServersPage() = default;

void ServersPage::setConnection(const QString &pg, const QString &redis)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (pg == m_pgConninfo && redis == m_redisUrl && m_monitor)
        return;
    m_pgConninfo = pg;
    m_redisUrl = redis;
    m_monitor.reset();
    m_pgSamples = m_redisSamples = 0;
    if (isVisible())
        startSampling();
}

bool ServersPage::isSampling() const
{
    return m_monitor && !m_monitor->isPaused();
}

void ServersPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    startSampling();
}

void ServersPage::startSampling()
{
    if (m_pgConninfo.isEmpty())
        return;
    if (!m_monitor)
        m_monitor =
            std::make_unique<inv::ServerMonitor>(m_pgConninfo.toStdString(), m_redisUrl.toStdString());
    m_monitor->setPaused(false);
    m_poll.start();
    poll();
}

void ServersPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_poll.stop();
    if (m_monitor)
        m_monitor->setPaused(true);
}

void ServersPage::poll()
{
    if (!m_monitor)
        return;
    const inv::ServerSnapshot snapshot = m_monitor->snapshot();
    if (snapshot.pgSamples != m_pgSamples) {
        m_pgSamples = snapshot.pgSamples;
        m_pg->show(snapshot.pg, snapshot.pgHistory);
    }
    if (snapshot.redisSamples != m_redisSamples) {
        m_redisSamples = snapshot.redisSamples;
        m_redis->show(snapshot.redis, snapshot.redisHistory);
    }
}
