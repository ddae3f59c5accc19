#include "agentspanel.h"

#include "agentregistryreader.h"
#include "agentrunner.h"
#include "agentstatusmodel.h"
#include "simulationcharts.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

AgentsPanel::AgentsPanel(SimulationCharts *charts, QWidget *parent)
    : QWidget(parent), m_charts(charts), m_model(new AgentStatusModel(this)), m_table(new QTableView(this)),
      m_status(new QLabel(this)), m_perAgent(new QCheckBox(tr("Charts: one line per agent"), this)),
      m_reader(new AgentRegistryReader), m_runner(new AgentRunner)
{
    m_reader->moveToThread(&m_readerThread);
    connect(&m_readerThread, &QThread::finished, m_reader, &QObject::deleteLater);
    m_readerThread.setObjectName(QStringLiteral("agent registry"));
    m_readerThread.start();
    connect(m_reader, &AgentRegistryReader::registryRead, this, &AgentsPanel::onRegistryRead);
    connect(m_reader, &AgentRegistryReader::readFailed, this, [this](const QString &message) {
        m_reading = false;
        m_readError = message;
        m_status->setText(tr("The agents could not be read from Redis: %1").arg(message));
    });
    m_runner->moveToThread(&m_runThread);
    connect(&m_runThread, &QThread::finished, m_runner, &QObject::deleteLater);
    m_runThread.setObjectName(QStringLiteral("agent run"));
    m_runThread.start();

    m_table->setObjectName(QStringLiteral("agentsTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_status->setObjectName(QStringLiteral("agentsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_perAgent->setObjectName(QStringLiteral("perAgentLines"));
    m_perAgent->setToolTip(tr("Draw each agent's figures as a line of its own, in the agent's colour, "
                              "instead of the run's merged total"));
    connect(m_perAgent, &QCheckBox::toggled, this, &AgentsPanel::setPerAgentLines);

    auto *top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(m_perAgent);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);

    m_refresh.setInterval(kRefreshMs);
    connect(&m_refresh, &QTimer::timeout, this, &AgentsPanel::refresh);
}

AgentsPanel::~AgentsPanel()
{
    m_refresh.stop();
    m_runner->stop();
    m_runThread.quit();
    m_readerThread.quit();
    m_runThread.wait();
    m_readerThread.wait();
}

void AgentsPanel::setConnection(const QString &, const QString &redis)
{
    m_redis = redis;
    if (m_redis.isEmpty()) {
        m_refresh.stop();
        return;
    }
    m_status->setText(tr("Reading the agents registered in Redis…"));
    refresh();
    m_refresh.start();
}

bool AgentsPanel::isRunning() const
{
    return m_runner->isRunning();
}

void AgentsPanel::refresh()
{
    // One read at a time: a Redis that answers slowly is not asked again before it has answered.
    if (m_reading || m_redis.isEmpty())
        return;
    m_reading = true;
    QMetaObject::invokeMethod(m_reader, "read", Qt::QueuedConnection, Q_ARG(QString, m_redis));
}

void AgentsPanel::onRegistryRead(const AgentRegistry &registry)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_reading = false;
    m_readError.clear();
    m_model->setRegistry(registry.agents);
    const int alive = m_model->aliveCount();
    if (m_model->rowCount() == 0)
        m_status->setText(tr("No load agent is registered: start one on each load machine with "
                             "<code>inventory-console agent --name NAME</code> (or its systemd unit)."));
    else
        m_status->setText((alive == 1 ? tr("1 agent alive") : tr("%1 agents alive").arg(alive)) +
                          tr(", %1 listed; read from Redis every second").arg(m_model->rowCount()));
    fitRows();
}

void AgentsPanel::fitRows()
{
    // Room for the first few agents without scrolling, which the page's splitter keeps.
    const int rows = std::clamp(m_model->rowCount(), 1, kRowsShown);
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height() +
                              rows * m_table->verticalHeader()->defaultSectionSize() +
                              2 * m_table->frameWidth());
}

void AgentsPanel::start(const QList<inv::SimulationConfig> &configs, const QString &selection)
{
    m_totalLines.clear();
    m_agentLines.clear();
    m_lines.clear();
    m_model->clearRun();
    QMetaObject::invokeMethod(
        m_runner, [runner = m_runner, configs, selection] { runner->runAll(configs, selection); },
        Qt::QueuedConnection);
}

void AgentsPanel::stop()
{
    m_runner->stop();
}

void AgentsPanel::beginRun(int totalLine, const QString &prefix)
{
    m_totalLines.push_back(totalLine);
    m_charts->setRunShown(totalLine, !perAgentLines());
    m_lines.clear();
    m_prefix = prefix;
    m_drawnSeconds = 0;
    m_model->clearRun();
}

inv::SimulationSnapshot AgentsPanel::poll()
{
    const inv::AgentsSnapshot snapshot = m_runner->snapshot();
    m_model->setRun(snapshot);
    for (const auto &[name, line] : snapshot.perAgent) {
        auto it = m_lines.find(name);
        if (it == m_lines.end()) {
            const QString title = m_prefix.isEmpty()
                                      ? QString::fromStdString(name)
                                      : m_prefix + QStringLiteral(" · ") + QString::fromStdString(name);
            const int index = m_charts->beginRun(title, colorFor(static_cast<int>(m_lines.size())));
            m_agentLines.push_back(index);
            m_charts->setRunShown(index, perAgentLines());
            it = m_lines.emplace(name, std::make_pair(index, std::size_t(0))).first;
        }
        // A line is redrawn only when its agent has a new window.
        if (line.size() != it->second.second) {
            it->second.second = line.size();
            m_charts->setTimeline(it->second.first, line);
        }
    }
    inv::SimulationSnapshot total;
    total.running = snapshot.running;
    total.progress = snapshot.progress;
    total.timeline = snapshot.total;
    total.elapsedSeconds = snapshot.total.empty() ? 0 : snapshot.total.back().t;
    m_drawnSeconds = total.elapsedSeconds;
    return total;
}

void AgentsPanel::setPerAgentLines(bool perAgent)
{
    if (m_perAgent->isChecked() != perAgent) {
        m_perAgent->setChecked(perAgent); // comes back here through toggled
        return;
    }
    for (const int line : m_totalLines)
        m_charts->setRunShown(line, !perAgent);
    for (const int line : m_agentLines)
        m_charts->setRunShown(line, perAgent);
}

bool AgentsPanel::perAgentLines() const
{
    return m_perAgent->isChecked();
}

QColor AgentsPanel::colorFor(int agent)
{
    // Apart from the strategies' colours, which the total lines wear.
    static const QColor colors[] = {QColor(0, 150, 170),  QColor(230, 120, 30), QColor(120, 80, 200),
                                    QColor(200, 60, 130), QColor(110, 130, 30), QColor(140, 90, 60),
                                    QColor(60, 90, 160),  QColor(120, 120, 120)};
    return colors[agent % static_cast<int>(std::size(colors))];
}
