#include "simulationform.h"

#include "agentselector.h"
#include "simulationcharts.h"

#include "errors.h"
#include "sandbox/sandbox.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>

namespace {
QSpinBox *spin(int min, int max, int value, QWidget *parent, const QString &suffix = {})
{
    auto *box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setGroupSeparatorShown(true);
    return box;
}

QDoubleSpinBox *dspin(double min, double max, double value, double step, QWidget *parent,
                      const QString &suffix = {})
{
    auto *box = new QDoubleSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setSingleStep(step);
    box->setSuffix(suffix);
    return box;
}
} // namespace

SimulationForm::SimulationForm(QWidget *parent) : QScrollArea(parent)
{
    auto *form = new QWidget;
    auto *layout = new QFormLayout(form);
    m_scenario = new QComboBox(form);
    m_scenario->addItem(tr("Flash sale"), QStringLiteral("flash-sale"));
    m_scenario->addItem(tr("Mixed load"), QStringLiteral("mixed"));
    m_scenario->addItem(tr("Stampede"), QStringLiteral("stampede"));
    layout->addRow(tr("Scenario"), m_scenario);
    auto *strategies = new QWidget(form);
    auto *grid = new QGridLayout(strategies);
    grid->setContentsMargins(0, 0, 0, 0);
    const QStringList names{QStringLiteral("naive"), QStringLiteral("unsafe"), QStringLiteral("locked"),
                            QStringLiteral("versioned"), QStringLiteral("combined")};
    for (int i = 0; i < names.size(); ++i) {
        auto *box = new QCheckBox(names.at(i), strategies);
        box->setChecked(names.at(i) == QLatin1String("versioned"));
        box->setStyleSheet(QStringLiteral("QCheckBox { color: %1; font-weight: bold; }")
                               .arg(SimulationCharts::colorFor(names.at(i)).name()));
        grid->addWidget(box, i / 2, i % 2);
        m_strategies.push_back(box);
    }
    layout->addRow(tr("Strategies"), strategies);
    m_nearCache = new QCheckBox(tr("Near cache"), form);
    m_nearCache->setObjectName(QStringLiteral("nearCache"));
    m_nearCache->setToolTip(
        tr("Each server reads through an in-process cache that Redis's invalidations keep "
           "coherent (--near-cache); unsafe always runs without it"));
    layout->addRow(QString(), m_nearCache);
    m_agents = new AgentSelector(form);
    layout->addRow(QString(), m_agents);
    m_servers = spin(1, 64, 4, form);
    m_connections = spin(1, 64, 4, form);
    m_buyers = spin(1, 10'000'000, 10'000, form);
    m_stock = spin(0, 1'000'000, 100, form);
    m_quantity = spin(1, 1'000'000, 1, form);
    m_rate = spin(1, 1'000'000, 2000, form, tr(" /s"));
    m_duration = dspin(0.5, 3600, 10, 1, form, tr(" s"));
    m_readRatio = dspin(0, 1, 0.9, 0.05, form);
    m_products = spin(1, 1'000'000, 1000, form);
    m_skew = dspin(0, 5, 0.99, 0.1, form);
    m_readers = spin(1, 10'000, 200, form);
    m_rounds = spin(1, 1000, 5, form);
    m_raceDelay = spin(0, 1000, 0, form, tr(" ms"));
    m_raceDelay->setObjectName(QStringLiteral("raceDelay"));
    m_ttl = spin(1, 86'400'000, 30'000, form, tr(" ms"));
    layout->addRow(tr("Servers"), m_servers);
    layout->addRow(tr("Connections each"), m_connections);
    layout->addRow(tr("Buyers"), m_buyers);
    layout->addRow(tr("Stock"), m_stock);
    layout->addRow(tr("Quantity"), m_quantity);
    m_blindBuyers = new QCheckBox(tr("Blind buyers"), form);
    m_blindBuyers->setObjectName(QStringLiteral("blindBuyers"));
    m_blindBuyers->setToolTip(tr("Buyers send the purchase without reading the stock first, as pgbench does "
                                 "(--blind-buyers)"));
    layout->addRow(QString(), m_blindBuyers);
    m_loopClient = new QCheckBox(tr("Event-loop client"), form);
    m_loopClient->setObjectName(QStringLiteral("loopClient"));
    m_loopClient->setToolTip(
        tr("<p>Each server drives its connections from one event loop, several statements "
           "in flight on each (libpq pipeline mode), reads on a connection of their own so "
           "that they never wait behind a commit; every strategy, with or without a race "
           "delay. Clear it to compare with the threaded client (--client threads).</p>"));
    m_loopClient->setChecked(true);
    layout->addRow(QString(), m_loopClient);
    layout->addRow(tr("Rate"), m_rate);
    layout->addRow(tr("Duration"), m_duration);
    layout->addRow(tr("Read ratio"), m_readRatio);
    layout->addRow(tr("Products"), m_products);
    layout->addRow(tr("Zipf skew"), m_skew);
    layout->addRow(tr("Readers"), m_readers);
    layout->addRow(tr("Rounds"), m_rounds);
    layout->addRow(tr("Race delay"), m_raceDelay);
    layout->addRow(tr("Cache TTL"), m_ttl);
    m_keep = new QCheckBox(tr("Keep data for inspection"), form);
    m_keep->setObjectName(QStringLiteral("keepData"));
    // Rich text, so that "<run id>" is not taken for a tag.
    m_keep->setToolTip(
        tr("<p>Keep each run's PostgreSQL schema <code>sim_&lt;run id&gt;</code> and its Redis keys "
           "<code>sim:&lt;run id&gt;:*</code> after the run, to look at them; otherwise they are "
           "dropped when it ends. <code>inventory-console simulate --cleanup</code> removes kept "
           "ones.</p>"));
    layout->addRow(m_keep);
    // Scheduled faults, as simulate --fault takes them; each becomes a marker band on the charts.
    auto *faultBox = new QGroupBox(tr("Faults"), form);
    auto *faultLayout = new QVBoxLayout(faultBox);
    m_faults = new QLineEdit(faultBox);
    m_faults->setObjectName(QStringLiteral("faults"));
    m_faults->setPlaceholderText(QStringLiteral("redis-pause@3s+2s pg-terminate@5s"));
    m_faults->setToolTip(tr("<p>Faults to inject during each run, separated by spaces: "
                            "<code>KIND@START[+DURATION]</code> in ms, s or m, e.g. 250ms or 1.5s. Kinds: "
                            "%1. Process-level kinds "
                            "need the local sandbox.</p>")
                             .arg(QString::fromStdString(inv::FaultSpec::kindList())));
    faultLayout->addWidget(m_faults);
    // One fault now, while a run goes on: the kind, how long, and the button.
    auto *fireRow = new QHBoxLayout;
    m_fireKind = new QComboBox(faultBox);
    m_fireKind->setObjectName(QStringLiteral("fireKind"));
    for (const inv::FaultKind kind : inv::FaultSpec::kinds())
        m_fireKind->addItem(QString::fromLatin1(inv::FaultSpec::kindName(kind)), static_cast<int>(kind));
    m_fireSeconds = new QSpinBox(faultBox);
    m_fireSeconds->setObjectName(QStringLiteral("fireSeconds"));
    m_fireSeconds->setRange(1, 60);
    m_fireSeconds->setValue(2);
    m_fireSeconds->setPrefix(tr("for "));
    m_fireSeconds->setSuffix(tr(" s"));
    m_fireSeconds->setToolTip(tr("How long the fault lasts (redis-restart is over at once)"));
    m_fire = new QPushButton(tr("Fire now"), faultBox);
    m_fire->setObjectName(QStringLiteral("fire"));
    m_fire->setEnabled(false);
    m_fire->setToolTip(tr("Start this fault at once in the run going on"));
    // The form is narrow: the kind takes a row, its duration and the button the next.
    m_fireKind->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_fireKind->setMinimumContentsLength(12);
    faultLayout->addWidget(m_fireKind);
    fireRow->addWidget(m_fireSeconds, 1);
    fireRow->addWidget(m_fire, 1);
    faultLayout->addLayout(fireRow);
    m_fireNote = new QLabel(faultBox);
    m_fireNote->setObjectName(QStringLiteral("fireNote"));
    m_fireNote->setWordWrap(true);
    m_fireNote->hide();
    faultLayout->addWidget(m_fireNote);
    connect(m_fire, &QPushButton::clicked, this, [this] {
        inv::FaultSpec fault;
        fault.kind = static_cast<inv::FaultKind>(m_fireKind->currentData().toInt());
        if (fault.kind != inv::FaultKind::RedisRestart)
            fault.duration = std::chrono::seconds(m_fireSeconds->value());
        emit fireRequested(fault);
    });
    connect(m_fireKind, &QComboBox::currentIndexChanged, this, [this] {
        m_fireSeconds->setEnabled(static_cast<inv::FaultKind>(m_fireKind->currentData().toInt()) !=
                                  inv::FaultKind::RedisRestart);
    });
    layout->addRow(faultBox);
    m_logLatency = new QCheckBox(tr("logarithmic latency axis"), form);
    layout->addRow(m_logLatency);
    m_start = new QPushButton(tr("Start"), form);
    m_start->setShortcut(QKeySequence(Qt::Key_F9));
    m_start->setToolTip(tr("Run the scenario for each checked strategy (F9)"));
    m_stop = new QPushButton(tr("Stop"), form);
    m_stop->setEnabled(false);
    m_demo = new QPushButton(tr("Race-condition demo"), form);
    m_demo->setToolTip(
        tr("Flash sale with a 5 ms race delay: naive and unsafe against locked and versioned"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    layout->addRow(buttons);
    layout->addRow(m_demo);
    connect(m_scenario, &QComboBox::currentIndexChanged, this, &SimulationForm::applyPreset);
    connect(m_start, &QPushButton::clicked, this, [this] {
        const QStringList chosen = checkedStrategies();
        if (chosen.isEmpty()) {
            emit invalid(tr("Check at least one strategy."));
            return;
        }
        try {
            faults();
        } catch (const inv::InvalidInput &e) {
            emit invalid(QString::fromStdString(e.what()));
            return;
        }
        emit startRequested(scenario(), chosen);
    });
    connect(m_stop, &QPushButton::clicked, this, &SimulationForm::stopRequested);
    connect(m_demo, &QPushButton::clicked, this, &SimulationForm::raceDemoRequested);
    connect(m_logLatency, &QCheckBox::toggled, this, &SimulationForm::logLatencyToggled);

    // Narrow fields: the spin boxes' own hints are as wide as their largest value.
    for (auto *field : form->findChildren<QAbstractSpinBox *>())
        field->setMinimumWidth(80);
    for (auto *field : form->findChildren<QAbstractSpinBox *>())
        field->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    setWidget(form);
    setWidgetResizable(true);
    // As wide as the form needs, and room for the vertical scroll bar, which the Faults box brings at
    // common heights: the fields' right edge (the spin boxes' arrows) is never cut off.
    setFixedWidth(std::max(300, form->minimumSizeHint().width()) + verticalScrollBar()->sizeHint().width());
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    applyPreset();
}

QString SimulationForm::scenario() const
{
    return m_scenario->currentData().toString();
}

QString SimulationForm::scenarioTitle() const
{
    return m_scenario->currentText();
}

void SimulationForm::applyPreset()
{
    const QString current = scenario();
    const bool flash = current == QLatin1String("flash-sale");
    const bool mixed = current == QLatin1String("mixed");
    const bool stampede = current == QLatin1String("stampede");
    for (QWidget *w : std::initializer_list<QWidget *>{m_buyers, m_quantity, m_blindBuyers, m_agents})
        w->setEnabled(flash);
    for (QWidget *w : std::initializer_list<QWidget *>{m_rate, m_duration, m_readRatio, m_skew})
        w->setEnabled(mixed);
    m_readers->setEnabled(stampede);
    m_rounds->setEnabled(stampede);
    m_products->setEnabled(!flash);
    m_stock->setValue(flash ? 100 : mixed ? 1'000'000 : 1000);
    m_products->setValue(stampede ? 5 : 1000);
    m_ttl->setValue(stampede ? 300 : 30'000);
}

void SimulationForm::selectScenario(const QString &name)
{
    const int index = m_scenario->findData(name);
    if (index >= 0)
        m_scenario->setCurrentIndex(index);
}

bool SimulationForm::setParameter(const QString &name, double value)
{
    const std::pair<const char *, QSpinBox *> spins[] = {{"race-delay-ms", m_raceDelay},
                                                         {"buyers", m_buyers},
                                                         {"stock", m_stock},
                                                         {"rate", m_rate},
                                                         {"servers", m_servers},
                                                         {"connections", m_connections},
                                                         {"products", m_products},
                                                         {"readers", m_readers}};
    for (const auto &[key, box] : spins) {
        if (name == QLatin1String(key)) {
            box->setValue(static_cast<int>(value));
            return true;
        }
    }
    if (name == QLatin1String("duration")) {
        m_duration->setValue(value);
        return true;
    }
    // Flags, as 1 or 0.
    if (name == QLatin1String("blind-buyers") || name == QLatin1String("client-loop")) {
        (name == QLatin1String("blind-buyers") ? m_blindBuyers : m_loopClient)->setChecked(value != 0);
        return true;
    }
    return false;
}

QStringList SimulationForm::checkedStrategies() const
{
    QStringList chosen;
    for (auto *box : m_strategies)
        if (box->isChecked())
            chosen << box->text();
    return chosen;
}

void SimulationForm::setCheckedStrategies(const QStringList &strategies)
{
    for (auto *box : m_strategies)
        box->setChecked(strategies.contains(box->text()));
}

void SimulationForm::prepareRaceDemo()
{
    selectScenario(QStringLiteral("flash-sale"));
    m_raceDelay->setValue(5);
    m_buyers->setValue(3000);
    m_stock->setValue(100);
    for (auto *box : m_strategies)
        box->setChecked(true);
}

inv::SimulationConfig SimulationForm::configFor(const QString &strategy, const QString &pg,
                                                const QString &redis) const
{
    inv::SimulationConfig c;
    c.scenario = inv::SimulationConfig::parseScenario(scenario().toStdString());
    c.strategy = inv::Strategy::parseKind(strategy.toStdString());
    c.pgConninfo = pg.toStdString();
    c.redisUrl = redis.toStdString();
    c.servers = m_servers->value();
    c.connections = m_connections->value();
    c.buyers = m_buyers->value();
    c.stock = m_stock->value();
    c.quantity = m_quantity->value();
    c.buyersRead = !(c.scenario == inv::ScenarioKind::FlashSale && m_blindBuyers->isChecked());
    c.rate = m_rate->value();
    c.durationSeconds = m_duration->value();
    c.readRatio = m_readRatio->value();
    c.products = m_products->value();
    c.skew = m_skew->value();
    c.readers = m_readers->value();
    c.rounds = m_rounds->value();
    c.raceDelay = std::chrono::milliseconds(m_raceDelay->value());
    c.ttl = std::chrono::milliseconds(m_ttl->value());
    c.keep = m_keep->isChecked();
    c.nearCache = m_nearCache->isChecked() && c.strategy != inv::StrategyKind::Unsafe;
    c.client =
        m_loopClient->isChecked() && c.loopCarries() ? inv::ClientKind::Loop : inv::ClientKind::Threads;
    try {
        c.faults = faults();
    } catch (const inv::InvalidInput &) {
        c.faults.clear(); // refused when Start was pressed
    }
    // Scheduled here or fired during the run with Fire now.
    c.faultsOnDemand = true;
    const QByteArray dir = qgetenv("INVENTORY_SANDBOX_DIR");
    try {
        c.sandboxDir = dir.isEmpty() ? inv::Sandbox::defaultDir().string() : dir.toStdString();
    } catch (const inv::SandboxError &) {
        // No data directory: process-level faults are refused with advice when the run starts.
    }
    c.faultPgConninfo = qEnvironmentVariable("INVENTORY_PG_OWNER_URL").toStdString();
    return c;
}

void SimulationForm::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_demo->setEnabled(!running);
    m_stop->setEnabled(running);
    m_fire->setEnabled(running);
}

void SimulationForm::setScheduledFaults(const QString &faults)
{
    m_faults->setText(faults);
}

void SimulationForm::setFireNote(const QString &text)
{
    m_fireNote->setText(text);
    m_fireNote->setVisible(!text.isEmpty());
}

std::vector<inv::FaultSpec> SimulationForm::faults() const
{
    std::vector<inv::FaultSpec> out;
    for (const QString &spec : m_faults->text().split(QLatin1Char(' '), Qt::SkipEmptyParts))
        out.push_back(inv::FaultSpec::parse(spec.toStdString()));
    return out;
}
