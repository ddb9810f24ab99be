// What every incident command needs before it acts: the configuration, the
// safety rules, where incidents live and who is acting.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/command.h"
#include "responder/config.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder {

struct Environment {
  Config config;
  SafetyRules safety;
  std::filesystem::path home;  // where incidents/<ID>/ live
  std::string actor;           // SUDO_USER, else the login name, else the uid
  bool json = false;
};

// Loads the configuration and collects the safety rules. Configuration
// problems are printed to stderr as FILE:LINE:COL: message and returned as
// bad input.
Result<Environment> open_environment(const GlobalOptions& globals);

// SUDO_USER, else the login name, else "uid N".
std::string current_actor();

}  // namespace responder
