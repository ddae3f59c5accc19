// A load thread could not be created (address-space, process or memory limits): the run ends with
// this error rather than with partial load. Like every engine Error, the CLI maps it to exit code 3.
#pragma once

#include "errors.h"

namespace inv {

class ThreadStartError : public Error
{
public:
    using Error::Error;
};

} // namespace inv
