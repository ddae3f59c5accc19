// The Simulation page's headline after a run or a compare: which strategies gave wrong answers and
// which were correct, whatever the latency did, with the performance verdict beside it; "no
// verdict" for a stopped run; the real cause for a run that could not start. Also the verdict a
// history row shows, read back from a stored report. A plain value; GUI thread.
#pragma once

#include "sim/simulationreport.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

struct RunFailure
{
    QString strategy;
    QString message;
};

class SimulationVerdict
{
    Q_DECLARE_TR_FUNCTIONS(SimulationVerdict)

public:
    enum class Tone
    {
        Correct, // every run gave right answers
        Wrong,   // some run gave wrong answers, or could not run
        NoVerdict,
    };

    SimulationVerdict(const std::vector<std::shared_ptr<const inv::SimulationReport>> &reports,
                      const std::vector<RunFailure> &failures, bool stopped);

    // "naive and unsafe are wrong; locked and versioned are correct", a blank between them and
    // "performance: …".
    QString correctness() const { return m_correctness; }
    QString performance() const { return m_performance; }
    QString text() const;
    // The same, coloured for a QLabel: correctness bold in green or red, performance beside it.
    QString html() const;
    Tone tone() const { return m_tone; }

    // What a history row says, from the stored report's `slo` array and `stopped` flag:
    // "✓ correct, performant", "✗ wrong: stale_reads 12 > 0", "✓ correct · slow: read_p99_ms 10.9 > 5".
    static QString historyText(const QByteArray &sloJson, bool stopped, Tone *tone = nullptr);

private:
    QString m_correctness;
    QString m_performance;
    QString m_performanceShort;
    Tone m_tone = Tone::NoVerdict;
};
