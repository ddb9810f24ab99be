// responder validate PLAYBOOK...
#include <CLI/CLI.hpp>

#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/playbook_loader.h"

namespace responder {
namespace {

void setup(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto files = std::make_shared<std::vector<std::string>>();
  command.add_option("playbooks", *files, "playbook files to check")->required()->type_name("PLAYBOOK");
  command.footer("Example:\n  responder validate playbooks/*.yaml   (every error as FILE:LINE:COL, exit 2)");
  action = [files, &globals] {
    bool all_ok = true;
    for (auto& file : *files) {
      auto loaded = load_playbook_file(file);
      for (auto& d : loaded.diagnostics) {
        if (globals.json)
          std::cout << to_json_text(json::object{{"file", d.file}, {"line", d.line}, {"column", d.column},
                                                 {"severity", d.warning ? "warning" : "error"}, {"message", d.message}})
                    << "\n";
        else
          std::cerr << d.format() << "\n";
      }
      if (!loaded.playbook) {
        all_ok = false;
        continue;
      }
      std::size_t steps = loaded.playbook->all_steps().size();
      if (!globals.json)
        std::cout << file << ": ok (" << loaded.playbook->stages.size() << " stages, " << steps << " steps)\n";
    }
    return all_ok ? kExitSuccess : kExitBadInput;
  };
}

const CommandRegistration registration{{"validate", "check playbooks; print every error as FILE:LINE:COL: message", 10, setup}};

}  // namespace
}  // namespace responder
