// The Servers page: PostgreSQL and Redis as they see themselves during a load test, side by side,
// as pgAdmin's and RedisInsight's dashboards show them. It owns an engine ServerMonitor, which
// samples both servers once a second on its own threads and connections, and polls its snapshot on
// a QTimer, so the event loop never waits on the network. The monitor samples only while this page
// is visible (it pauses, keeping its connections, when the page is hidden) so that a load test run
// from another page is not measured with the monitor's queries in it. GUI thread only.
#pragma once

#include <QString>
#include <QTimer>
#include <QWidget>

#include <cstdint>
#include <memory>

namespace inv {
class ServerMonitor;
}
class PgServerPanel;
class RedisServerPanel;

class ServersPage : public QWidget
{
    Q_OBJECT

public:
    explicit ServersPage(QWidget *parent = nullptr);
    ~ServersPage() override;

    // Starts sampling these servers (once the page is shown); an empty string stops.
    void setConnection(const QString &pg, const QString &redis);

    PgServerPanel *pgPanel() const { return m_pg; }
    RedisServerPanel *redisPanel() const { return m_redis; }
    bool isSampling() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void startSampling();
    void poll();

    PgServerPanel *m_pg;
    RedisServerPanel *m_redis;
    QTimer m_poll;
    QString m_pgConninfo;
    QString m_redisUrl;
    std::unique_ptr<inv::ServerMonitor> m_monitor;
    std::uint64_t m_pgSamples = 0;
    std::uint64_t m_redisSamples = 0;
};
