// The parameter form of the Simulation page: the scenario preset, the strategies to run (with or
// without the near cache), every load parameter, whether to keep a run's data for inspection, the
// faults to schedule and to fire now, and the Start, Stop and race-demo buttons. It turns its fields
// into engine configurations and says what the operator asked for through signals; it runs nothing
// itself. GUI thread only.
#pragma once

#include "sim/simulationconfig.h"

#include <QScrollArea>
#include <QStringList>

#include <vector>

class AgentSelector;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class SimulationForm : public QScrollArea
{
    Q_OBJECT

public:
    explicit SimulationForm(QWidget *parent = nullptr);

    QString scenario() const;
    QString scenarioTitle() const;
    // Selects a scenario preset, resetting its fields to the preset's defaults.
    void selectScenario(const QString &scenario);
    // Sets a field by its command-line name (race-delay-ms, buyers, stock, rate, duration, servers,
    // connections, products, readers); false if the name is unknown.
    bool setParameter(const QString &name, double value);
    QStringList checkedStrategies() const;
    void setCheckedStrategies(const QStringList &strategies);
    // The race demo's settings: a flash sale with a 5 ms race delay, every strategy checked.
    void prepareRaceDemo();
    // The configuration of one run of the current scenario with `strategy`.
    inv::SimulationConfig configFor(const QString &strategy, const QString &pg, const QString &redis) const;
    // Run on agents: a flash sale over the load agents instead of in this process.
    AgentSelector *agents() const { return m_agents; }
    // Disables Start and the demo while runs are queued, and enables Stop and Fire now.
    void setRunning(bool running);
    // The Faults box's schedule, as simulate --fault takes each: "redis-pause@3s+2s pg-terminate@5s".
    void setScheduledFaults(const QString &faults);
    // What became of the last Fire now: "redis-pause fired at 3.2 s", or why it was refused.
    void setFireNote(const QString &text);

signals:
    void startRequested(const QString &scenario, const QStringList &strategies);
    void stopRequested();
    // Fire now: the fault to start at once in the run going on.
    void fireRequested(const inv::FaultSpec &fault);
    void raceDemoRequested();
    void logLatencyToggled(bool logarithmic);
    // Start was pressed with nothing to run.
    void invalid(const QString &message);

private:
    void applyPreset();
    // The scheduled faults typed in the Faults box; throws InvalidInput naming the valid kinds.
    std::vector<inv::FaultSpec> faults() const;

    QComboBox *m_scenario;
    std::vector<QCheckBox *> m_strategies;
    QSpinBox *m_servers, *m_connections, *m_buyers, *m_stock, *m_quantity, *m_rate, *m_products, *m_readers,
        *m_raceDelay, *m_ttl, *m_rounds;
    QDoubleSpinBox *m_duration, *m_readRatio, *m_skew;
    QPushButton *m_start, *m_stop, *m_demo;
    QCheckBox *m_keep;
    QCheckBox *m_blindBuyers = nullptr;
    QCheckBox *m_loopClient = nullptr;
    QCheckBox *m_nearCache;
    AgentSelector *m_agents;
    QLineEdit *m_faults;
    QComboBox *m_fireKind;
    QSpinBox *m_fireSeconds;
    QPushButton *m_fire;
    QLabel *m_fireNote;
    QCheckBox *m_logLatency;
};
