// Fuzzes the reading back of a stored simulation report (SimulationReportReader::fromJson, a run
// reopened from the history) and of its SLO list (SimulationVerdict::historyText). Whatever the JSON
// holds, the report read from it writes a report JSON that reads back with the same counts.
#include "fuzzcheck.h"

#include "errors.h"
#include "simulationreportreader.h"
#include "simulationverdict.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    for (const bool stopped : {false, true}) {
        SimulationVerdict::Tone tone;
        const QString text = SimulationVerdict::historyText(json, stopped, &tone);
        FUZZ_CHECK(!text.isEmpty());
    }
    std::shared_ptr<inv::SimulationReport> report;
    try {
        report = SimulationReportReader::fromJson(json);
    } catch (const inv::InvalidInput &) {
        return 0;
    }
    const std::string written = report->toJson();
    const auto again = SimulationReportReader::fromJson(QByteArray::fromStdString(written));
    FUZZ_CHECK(again->config.scenario == report->config.scenario);
    FUZZ_CHECK(again->config.strategy == report->config.strategy);
    FUZZ_CHECK(again->requests == report->requests);
    FUZZ_CHECK(again->oversold == report->oversold);
    FUZZ_CHECK(again->slos.size() == report->slos.size());
    FUZZ_CHECK(again->timeline.size() == report->timeline.size());
    FUZZ_CHECK(again->faults.size() == report->faults.size());
    FUZZ_CHECK(again->events.size() == report->events.size());
    FUZZ_CHECK(again->operations.size() == report->operations.size());
    return 0;
}
