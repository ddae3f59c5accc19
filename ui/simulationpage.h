// The Simulation page: scenario presets and parameters, Start and Stop, live charts polled from
// the engine's snapshots, compare mode (several strategies one after another on fresh data, their
// series overlaid), the results table with each SLO per strategy, exports, and the run history.
// The runs happen in a SimulationRunner thread; this page only polls and draws. GUI thread only.
#pragma once

#include "sim/simulationconfig.h"

#include <QElapsedTimer>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class SimulationCharts;
class SimulationResults;
class SimulationRunner;
struct ReportHandle;
struct HistoryEntry;

class SimulationPage : public QWidget
{
    Q_OBJECT

public:
    explicit SimulationPage(QWidget *parent = nullptr);
    ~SimulationPage() override;

    void setConnection(const QString &pg, const QString &redis);
    // Starts `scenario` for each strategy in turn (one strategy: a single run).
    void start(const QString &scenario, const QStringList &strategies);
    // The classic demo: naive and unsafe against locked and versioned, flash sale with a race delay.
    void startRaceDemo();
    void stop();
    bool isRunning() const;
    // Sets a form field by its command-line name (race-delay-ms, buyers, stock, rate, duration,
    // servers, connections, products, readers); false if the name is unknown.
    bool setParameter(const QString &name, double value);
    // Selects a scenario preset, resetting its fields to the preset's defaults.
    void selectScenario(const QString &scenario);

    SimulationCharts *charts() const { return m_charts; }
    SimulationResults *results() const { return m_results; }
    // Event-loop lateness over the last run, in ms.
    double uiLagP99() const;

signals:
    // Every queued run has ended; passed is true if every SLO of every run passed.
    void finished(bool passed, bool stopped);

private:
    QWidget *buildForm();
    void applyPreset();
    inv::SimulationConfig configFor(const QString &strategy) const;
    void poll();
    void onRunStarted(int index, const QString &strategy);
    void onRunFinished(int index, const ReportHandle &report);
    void onAllFinished(bool stopped);
    void log(const QString &text);
    void exportJson();
    void exportCsv();
    void exportPng();
    void refreshHistory();
    void showHistory(const QList<HistoryEntry> &entries);
    void reopen(qint64 id, const QString &json);

    QThread m_thread;
    SimulationRunner *m_runner;
    QString m_pg;
    QString m_redis;
    QStringList m_queue;
    int m_currentRun = -1;
    std::vector<int> m_chartRuns;
    QElapsedTimer m_runClock;
    QTimer m_poll;
    QTimer m_lagTimer;
    QElapsedTimer m_lagClock;
    qint64 m_lagExpected = 0;
    std::vector<qint64> m_lags;

    QComboBox *m_scenario;
    std::vector<QCheckBox *> m_strategies;
    QSpinBox *m_servers, *m_connections, *m_buyers, *m_stock, *m_quantity, *m_rate, *m_products, *m_readers,
        *m_raceDelay, *m_ttl, *m_rounds;
    QDoubleSpinBox *m_duration, *m_readRatio, *m_skew;
    QPushButton *m_start, *m_stopButton, *m_demo;
    QCheckBox *m_logLatency;
    QProgressBar *m_progress;
    QLabel *m_status;
    SimulationCharts *m_charts;
    SimulationResults *m_results;
    QPlainTextEdit *m_log;
    QTableWidget *m_history;
    QTabWidget *m_tabs;
};
