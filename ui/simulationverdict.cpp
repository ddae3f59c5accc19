#include "simulationverdict.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {
QString strategyName(const inv::SimulationReport &report)
{
    return QString::fromLatin1(inv::Strategy::kindName(report.config.strategy));
}

// "naive", "naive and unsafe", "naive, unsafe and locked".
QString listed(const QStringList &names)
{
    if (names.size() <= 1)
        return names.value(0);
    return names.mid(0, names.size() - 1).join(QStringLiteral(", ")) + SimulationVerdict::tr(" and ") +
           names.last();
}

QString joined(const std::vector<std::string> &items)
{
    QStringList out;
    for (const auto &item : items)
        out << QString::fromStdString(item);
    return out.join(QStringLiteral(", "));
}
} // namespace

SimulationVerdict::SimulationVerdict(const std::vector<std::shared_ptr<const inv::SimulationReport>> &reports,
                                     const std::vector<RunFailure> &failures, bool stopped)
{
    bool anyStopped = stopped;
    double seconds = 0;
    for (const auto &r : reports) {
        anyStopped = anyStopped || r->stoppedEarly;
        seconds += r->durationSeconds;
    }
    if (anyStopped) {
        m_tone = Tone::NoVerdict;
        m_correctness = reports.empty()
                            ? tr("Stopped: no results, no verdict")
                            : tr("Stopped after %1 s: partial results, no verdict").arg(seconds, 0, 'f', 1);
        return;
    }
    // One phrase per cause: four strategies that cannot reach PostgreSQL say it once. The headline
    // keeps the first line of a message; the results table has it whole.
    QStringList causes;
    std::vector<QStringList> strategiesByCause;
    for (const auto &f : failures) {
        const QString cause = f.message.section(QLatin1Char('\n'), 0, 0).trimmed();
        qsizetype at = causes.indexOf(cause);
        if (at < 0) {
            causes << cause;
            strategiesByCause.emplace_back();
            at = causes.size() - 1;
        }
        if (!f.strategy.isEmpty())
            strategiesByCause[static_cast<std::size_t>(at)] << f.strategy;
    }
    QStringList failed;
    for (qsizetype i = 0; i < causes.size(); ++i) {
        const QStringList &who = strategiesByCause[static_cast<std::size_t>(i)];
        failed << (who.isEmpty() ? causes.at(i) : tr("%1 could not run: %2").arg(listed(who), causes.at(i)));
    }
    if (reports.empty()) {
        m_tone = failures.empty() ? Tone::NoVerdict : Tone::Wrong;
        m_correctness = failures.empty() ? tr("No results") : failed.join(QStringLiteral("; "));
        return;
    }
    QStringList wrong, correct, unknown, slow, slowNames;
    QStringList notes;
    for (const auto &r : reports) {
        const QString name = strategyName(*r);
        const auto verdict = r->correct();
        (!verdict ? unknown : *verdict ? correct : wrong) << name;
        if (!r->performant().value_or(true)) {
            slow << tr("%1 missed %2").arg(name, joined(r->failures(inv::SloCategory::Performance)));
            slowNames << name;
            const QString note = QString::fromStdString(r->verdictNote);
            if (!note.isEmpty() && !notes.contains(note))
                notes << note;
        }
    }
    const bool one = reports.size() == 1;
    QStringList parts;
    if (!wrong.isEmpty())
        parts << (wrong.size() == 1 ? tr("%1 is wrong") : tr("%1 are wrong")).arg(listed(wrong));
    if (!correct.isEmpty())
        parts << (correct.size() == 1 ? tr("%1 is correct") : tr("%1 are correct")).arg(listed(correct));
    if (!unknown.isEmpty())
        parts << tr("%1 could not be judged").arg(listed(unknown));
    if (one && (!wrong.isEmpty() || !unknown.isEmpty()))
        parts.last() +=
            QStringLiteral(" (%1)").arg(joined(reports.front()->failures(inv::SloCategory::Correctness)));
    parts += failed;
    m_correctness = parts.join(QStringLiteral("; "));
    m_tone = !wrong.isEmpty() || !failures.empty() ? Tone::Wrong
             : !unknown.isEmpty()                  ? Tone::NoVerdict
                                                   : Tone::Correct;
    const QString noted =
        notes.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(notes.join(QStringLiteral("; ")));
    if (slow.isEmpty()) {
        m_performance = tr("performance: every target met");
        m_performanceShort = m_performance;
    } else {
        m_performance = tr("performance: %1").arg(slow.join(QStringLiteral("; "))) + noted;
        // Several runs' figures do not fit a headline: their names do, the figures are in the
        // results table and the tooltip.
        m_performanceShort = slow.size() == 1
                                 ? m_performance
                                 : tr("performance: %1 missed a target").arg(listed(slowNames)) + noted;
    }
}

QString SimulationVerdict::text() const
{
    return m_performance.isEmpty() ? m_correctness : m_correctness + QStringLiteral(" · ") + m_performance;
}

QString SimulationVerdict::html() const
{
    const char *color = m_tone == Tone::Correct ? "#268b46" : m_tone == Tone::Wrong ? "#dc322f" : "#b58900";
    QString out = QStringLiteral("<span style='color:%1'><b>%2</b></span>")
                      .arg(QLatin1String(color), m_correctness.toHtmlEscaped());
    if (!m_performanceShort.isEmpty())
        out += QStringLiteral(" &nbsp;·&nbsp; ") + m_performanceShort.toHtmlEscaped();
    return out;
}

QString SimulationVerdict::historyText(const QByteArray &sloJson, bool stopped, Tone *tone)
{
    auto setTone = [&](Tone t) {
        if (tone)
            *tone = t;
    };
    if (stopped) {
        setTone(Tone::NoVerdict);
        return tr("stopped: no verdict");
    }
    QStringList wrong, unknown, slow;
    for (const auto &v : QJsonDocument::fromJson(sloJson).array()) {
        const QJsonObject o = v.toObject();
        if (o.value(QLatin1String("pass")).toBool())
            continue;
        inv::Slo slo;
        slo.name = o.value(QLatin1String("name")).toString().toStdString();
        slo.threshold = o.value(QLatin1String("threshold")).toDouble();
        slo.known = !o.value(QLatin1String("value")).isNull();
        slo.value = o.value(QLatin1String("value")).toDouble();
        slo.upperBound = inv::Slo::upperBoundOf(slo.name);
        const bool correctness = inv::Slo::categoryOf(slo.name) == inv::SloCategory::Correctness;
        (!correctness ? slow : slo.known ? wrong : unknown) << QString::fromStdString(slo.failure());
    }
    // As SimulationReport::correct(): a known failure is wrong; one not measured leaves it unknown.
    setTone(!wrong.isEmpty() ? Tone::Wrong : !unknown.isEmpty() ? Tone::NoVerdict : Tone::Correct);
    const QString correctness =
        !wrong.isEmpty()     ? tr("✗ wrong: %1").arg((wrong + unknown).join(QStringLiteral(", ")))
        : !unknown.isEmpty() ? tr("? unknown: %1").arg(unknown.join(QStringLiteral(", ")))
                             : tr("✓ correct");
    const QString performance =
        slow.isEmpty() ? tr("performant") : tr("slow: %1").arg(slow.join(QStringLiteral(", ")));
    return correctness + QStringLiteral(" · ") + performance;
}
