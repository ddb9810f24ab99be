// The local host, in process: the request is answered by this process's
// own modules (step_service.h), with the incident's directory at hand.
#pragma once

#include "responder/targets/executor.h"

namespace responder {
struct Environment;
}

namespace responder::targets {

std::unique_ptr<Executor> make_local_executor(const Environment& environment, const std::filesystem::path& incident_dir);

}  // namespace responder::targets
