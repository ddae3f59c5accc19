// Reads a simulation report back from the JSON SimulationReport::toJson() wrote (a run reopened from
// the history). Needs Qt Core only, so that the parser can be tested and fuzzed without a GUI. Pure
// function; any thread.
#pragma once

#include "sim/simulationreport.h"

#include <QByteArray>

#include <memory>

class SimulationReportReader
{
public:
    // Whatever the bytes hold: a missing or mistyped key reads as its default. Throws InvalidInput
    // for an unknown scenario or strategy.
    static std::shared_ptr<inv::SimulationReport> fromJson(const QByteArray &json);
};
