// The Load sweep tab of the Simulation page: the range to sweep (rate or connections, from, to,
// steps, seconds per step), Sweep and Stop, and the SweepChart. It sweeps every strategy checked
// in the page's form, with the form's other parameters and the mixed scenario, in a SweepRunner
// thread of its own, and draws each step as it ends. "Peers…" draws pgbench's and redis-benchmark's
// measured results from a reference file beside the lines; "Export chart…" saves the chart as a
// PNG. GUI thread only.
#pragma once

#include "sim/sweeprange.h"

#include <QStringList>
#include <QThread>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class SimulationForm;
class SweepChart;
class SweepRunner;

class SimulationSweepPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SimulationSweepPanel(SimulationForm *form, QWidget *parent = nullptr);
    ~SimulationSweepPanel() override;

    void setConnection(const QString &pg, const QString &redis);
    // Sweeps `range` (as simulate --sweep takes it, "rate=1000..40000:8") for each strategy; false,
    // with the reason in the status line, when the range or a step's configuration is invalid.
    bool start(const QString &range, const QStringList &strategies, double stepSeconds);
    void stop();
    bool isRunning() const;
    // Reads a reference file (SweepReference) and draws its peers; false, with the reason in the
    // status line and the chart unchanged, when the file cannot be read or is malformed.
    bool loadReferences(const QString &path);
    // Saves the chart as a PNG of SweepChart::kExportSize; false, with the reason in the status line.
    bool exportChart(const QString &path);
    SweepChart *chart() const { return m_chart; }
    QString status() const;

signals:
    // Every strategy's sweep has ended.
    void finished(bool stopped);

private:
    void startFromFields();
    void chooseReferences();
    void chooseExport();
    void setRunning(bool running);

    SimulationForm *m_form;
    QString m_pg, m_redis;
    QThread m_thread;
    SweepRunner *m_runner;
    bool m_running = false;
    QComboBox *m_parameter;
    QSpinBox *m_from, *m_to, *m_steps;
    QDoubleSpinBox *m_stepSeconds;
    QPushButton *m_sweep, *m_stop, *m_references, *m_export;
    QLabel *m_status;
    SweepChart *m_chart;
};
