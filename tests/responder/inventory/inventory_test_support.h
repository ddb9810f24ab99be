// Loading inventories from text, for the inventory tests.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "responder/inventory/inventory_loader.h"
#include "tests/support/process.h"

namespace responder::testing {

struct LoadedText {
  Result<inventory::Inventory> inventory;
  std::vector<Diagnostic> diagnostics;
};

// Writes `text` to NAME in a fresh directory and loads it.
inline LoadedText load_text(const std::string& text, const std::string& name = "hosts.ini") {
  TempDir dir;
  auto file = dir.write(name, text);
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories({file}, diagnostics);
  return {std::move(loaded), std::move(diagnostics)};
}

// The inventory `text` gives; the test fails when it does not load.
inline inventory::Inventory inventory_of(const std::string& text, const std::string& name = "hosts.ini") {
  auto loaded = load_text(text, name);
  if (!loaded.inventory) FAIL(loaded.inventory.error().message);
  return std::move(*loaded.inventory);
}

// The error loading `text` gives, with the temporary directory cut out:
// "hosts.ini:3:5: message".
inline std::string error_of(const std::string& text, const std::string& name = "hosts.ini") {
  auto loaded = load_text(text, name);
  REQUIRE_FALSE(loaded.inventory);
  CHECK(loaded.inventory.error().kind == ErrorKind::bad_input);
  std::string message = loaded.inventory.error().message;
  auto at = message.find(name);
  return at == std::string::npos ? message : message.substr(at);
}

}  // namespace responder::testing
