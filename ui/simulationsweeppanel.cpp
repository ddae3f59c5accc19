#include "simulationsweeppanel.h"

#include "errors.h"
#include "sim/loadsweep.h"
#include "simulationexport.h"
#include "simulationform.h"
#include "sweepchart.h"
#include "sweeprunner.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

SimulationSweepPanel::SimulationSweepPanel(SimulationForm *form, QWidget *parent)
    : QWidget(parent), m_form(form), m_runner(new SweepRunner), m_parameter(new QComboBox(this)),
      m_from(new QSpinBox(this)), m_to(new QSpinBox(this)), m_steps(new QSpinBox(this)),
      m_stepSeconds(new QDoubleSpinBox(this)), m_sweep(new QPushButton(tr("Sweep"), this)),
      m_stop(new QPushButton(tr("Stop sweep"), this)), m_references(new QPushButton(tr("Peers…"), this)),
      m_export(new QPushButton(tr("Export chart…"), this)),
      m_status(
          new QLabel(tr("Sweeps the mixed scenario for the checked strategies until an SLO breaks."), this)),
      m_chart(new SweepChart(this))
{
    m_runner->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_runner, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("sweep"));
    m_thread.start();

    m_parameter->addItem(tr("rate (req/s)"), QStringLiteral("rate"));
    m_parameter->addItem(tr("connections in all"), QStringLiteral("connections"));
    m_from->setRange(1, 1'000'000);
    m_to->setRange(2, 1'000'000);
    m_from->setValue(1000);
    m_to->setValue(40'000);
    m_steps->setRange(0, inv::SweepRange::kMaxSteps);
    m_steps->setSpecialValueText(tr("doubling"));
    m_stepSeconds->setRange(0.5, 600);
    m_stepSeconds->setValue(inv::LoadSweep::kDefaultStepSeconds);
    m_stepSeconds->setSuffix(tr(" s"));
    m_stop->setEnabled(false);
    m_references->setToolTip(
        tr("Draw pgbench's and redis-benchmark's measured results from a reference file, "
           "as tests/benchmarks/run_benchmarks.sh writes it"));
    m_export->setToolTip(tr("Save the sweep chart as a PNG of %1x%2")
                             .arg(SweepChart::kExportSize.width())
                             .arg(SweepChart::kExportSize.height()));
    m_status->setWordWrap(true);
    connect(m_parameter, &QComboBox::currentIndexChanged, this, [this] {
        const bool rate = m_parameter->currentData().toString() == QLatin1String("rate");
        m_from->setValue(rate ? 1000 : 1);
        m_to->setValue(rate ? 40'000 : 128);
    });

    // Two rows, so that the page still fits a 1024 px window beside the form.
    auto *range = new QHBoxLayout;
    auto label = [this](const QString &text) { return new QLabel(text, this); };
    range->addWidget(label(tr("Sweep")));
    range->addWidget(m_parameter);
    range->addWidget(label(tr("from")));
    range->addWidget(m_from);
    range->addWidget(label(tr("to")));
    range->addWidget(m_to);
    range->addStretch(1);
    auto *pace = new QHBoxLayout;
    pace->addWidget(label(tr("steps")));
    pace->addWidget(m_steps);
    pace->addWidget(label(tr("each")));
    pace->addWidget(m_stepSeconds);
    pace->addWidget(m_sweep);
    pace->addWidget(m_stop);
    pace->addStretch(1);
    // The peers and the export beside the status line, which wraps: the rows above stay narrow.
    auto *status = new QHBoxLayout;
    status->addWidget(m_status, 1);
    status->addWidget(m_references);
    status->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(range);
    layout->addLayout(pace);
    layout->addLayout(status);
    layout->addWidget(m_chart, 1);

    connect(m_sweep, &QPushButton::clicked, this, &SimulationSweepPanel::startFromFields);
    connect(m_stop, &QPushButton::clicked, this, &SimulationSweepPanel::stop);
    connect(m_references, &QPushButton::clicked, this, &SimulationSweepPanel::chooseReferences);
    connect(m_export, &QPushButton::clicked, this, &SimulationSweepPanel::chooseExport);
    connect(m_runner, &SweepRunner::stepStarted, this,
            [this](const QString &strategy, int index, int count, double value) {
                m_status->setText(tr("%1: step %2 of %3, %4 %5")
                                      .arg(strategy)
                                      .arg(index + 1)
                                      .arg(count)
                                      .arg(value)
                                      .arg(m_parameter->currentText()));
            });
    connect(m_runner, &SweepRunner::stepFinished, m_chart, &SweepChart::addStep);
    connect(m_runner, &SweepRunner::sweepFinished, this,
            [this](const QString &strategy, const inv::SweepResult &result) {
                m_chart->markKnee(strategy, result);
                m_status->setText(strategy + QStringLiteral(": ") +
                                  QString::fromStdString(result.kneeText()));
            });
    connect(m_runner, &SweepRunner::sweepFailed, this,
            [this](const QString &strategy, const QString &message) {
                m_status->setText(tr("%1: the sweep failed: %2").arg(strategy, message));
            });
    connect(m_runner, &SweepRunner::allFinished, this, [this](bool stopped) {
        setRunning(false);
        emit finished(stopped);
    });
}

SimulationSweepPanel::~SimulationSweepPanel()
{
    m_runner->stop();
    m_thread.quit();
    m_thread.wait();
}

void SimulationSweepPanel::setConnection(const QString &pg, const QString &redis)
{
    m_pg = pg;
    m_redis = redis;
}

void SimulationSweepPanel::startFromFields()
{
    QString range = m_parameter->currentData().toString() + u'=' + QString::number(m_from->value()) +
                    QStringLiteral("..") + QString::number(m_to->value());
    if (m_steps->value() > 0)
        range += u':' + QString::number(m_steps->value());
    start(range, m_form->checkedStrategies(), m_stepSeconds->value());
}

void SimulationSweepPanel::chooseReferences()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Peers' results"), QString(), tr("JSON (*.json)"));
    if (!path.isEmpty())
        loadReferences(path);
}

bool SimulationSweepPanel::loadReferences(const QString &path)
{
    Q_ASSERT(QThread::currentThread() == thread());
    try {
        auto references = inv::SweepReference::load(path.toStdString());
        const auto count = references.size();
        m_chart->setReferences(std::move(references));
        m_status->setText(
            tr("Drawing %n measured peer result(s) from %1.", nullptr, static_cast<int>(count)).arg(path));
        return true;
    } catch (const inv::InvalidInput &e) {
        m_status->setText(tr("Peers not drawn: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

void SimulationSweepPanel::chooseExport()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"),
        SimulationExport::defaultFileName(QStringLiteral("sweep"), QStringLiteral("png")), tr("PNG (*.png)"));
    if (!path.isEmpty())
        exportChart(path);
}

bool SimulationSweepPanel::exportChart(const QString &path)
{
    if (m_chart->exportPng(path)) {
        m_status->setText(tr("Saved the chart to %1.").arg(path));
        return true;
    }
    m_status->setText(
        tr("Could not write %1: check that its folder exists and is writable, and that the name "
           "ends in .png")
            .arg(path));
    return false;
}

bool SimulationSweepPanel::start(const QString &range, const QStringList &strategies, double stepSeconds)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_running)
        return false;
    if (strategies.isEmpty()) {
        m_status->setText(tr("Check at least one strategy in the form to sweep."));
        return false;
    }
    // A sweep runs the mixed scenario: the form shows its fields, which give every step's other parameters.
    if (m_form->scenario() != QLatin1String("mixed"))
        m_form->selectScenario(QStringLiteral("mixed"));
    QList<inv::SimulationConfig> configs;
    inv::SweepRange parsed;
    try {
        parsed = inv::SweepRange::parse(range.toStdString());
        for (const QString &strategy : strategies) {
            inv::SimulationConfig config = m_form->configFor(strategy, m_pg, m_redis);
            config.scenario = inv::ScenarioKind::Mixed;
            config.faults.clear();
            config.faultsOnDemand = false;
            inv::LoadSweep(config, parsed, stepSeconds).validate();
            configs.push_back(config);
        }
    } catch (const inv::InvalidInput &e) {
        m_status->setText(tr("Cannot sweep: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    m_parameter->setCurrentIndex(parsed.parameter == inv::SweepParameter::Rate ? 0 : 1);
    m_from->setValue(static_cast<int>(parsed.from));
    m_to->setValue(static_cast<int>(parsed.to));
    m_steps->setValue(parsed.steps);
    m_stepSeconds->setValue(stepSeconds);
    m_form->setCheckedStrategies(strategies);
    m_chart->reset(parsed.parameter);
    setRunning(true);
    QMetaObject::invokeMethod(
        m_runner,
        [runner = m_runner, configs, parsed, stepSeconds] { runner->runAll(configs, parsed, stepSeconds); },
        Qt::QueuedConnection);
    return true;
}

void SimulationSweepPanel::stop()
{
    m_runner->stop();
}

bool SimulationSweepPanel::isRunning() const
{
    return m_running;
}

QString SimulationSweepPanel::status() const
{
    return m_status->text();
}

void SimulationSweepPanel::setRunning(bool running)
{
    m_running = running;
    m_sweep->setEnabled(!running);
    m_stop->setEnabled(running);
    for (QWidget *field : std::initializer_list<QWidget *>{m_parameter, m_from, m_to, m_steps, m_stepSeconds})
        field->setEnabled(!running);
}
