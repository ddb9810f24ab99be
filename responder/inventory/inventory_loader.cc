#include "responder/inventory/inventory_loader.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include "responder/inventory/ini_inventory.h"
#include "responder/inventory/yaml_inventory.h"
#include "responder/utf8.h"

namespace responder::inventory {

InventoryFormat detect_format(const std::filesystem::path& file, std::string_view text) {
  std::string ext = file.extension().string();
  if (ext == ".yml" || ext == ".yaml" || ext == ".json") return InventoryFormat::yaml;
  if (ext == ".ini") return InventoryFormat::ini;
  return looks_like_yaml_inventory(text) ? InventoryFormat::yaml : InventoryFormat::ini;
}

namespace {

Status read_text(const std::filesystem::path& file, std::string& text, std::vector<Diagnostic>& diagnostics) {
  auto fail = [&](int line, int column, const std::string& message) -> Status {
    diagnostics.push_back({file.string(), line, column, message});
    return bad_input(diagnostics.back().format());
  };
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return fail(0, 0, "cannot read this inventory: " + ec.message());
  if (size > kMaxInventoryBytes)
    return fail(0, 0, "this inventory is larger than " + std::to_string(kMaxInventoryBytes / (1024 * 1024)) + " MiB; refusing to read it");
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(0, 0, "cannot read this inventory");
  std::stringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  int line = 1, column = 1;
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '\0') return fail(line, column, "a NUL byte; an inventory is text");
    Utf8Char c = decode_utf8(text, pos);
    if (!c.valid) return fail(line, column, "bytes that are not UTF-8; an inventory is UTF-8 text");
    if (text[pos] == '\n') ++line, column = 1;
    else ++column;
    pos += c.size;
  }
  return {};
}

}  // namespace

Result<Inventory> load_inventories(const std::vector<std::filesystem::path>& files, std::vector<Diagnostic>& diagnostics) {
  Inventory inventory;
  for (auto& file : files) {
    std::string text;
    if (auto s = read_text(file, text, diagnostics); !s.ok()) return s.error();
    Status loaded = detect_format(file, text) == InventoryFormat::yaml
                        ? load_yaml_inventory(text, file.string(), inventory, diagnostics)
                        : load_ini_inventory(text, file.string(), inventory, diagnostics);
    if (!loaded.ok()) return loaded.error();
  }
  std::vector<Diagnostic> found;
  Status finished = inventory.finish(found);
  for (auto& d : found) {
    if (d.file.empty() && !files.empty()) d.file = files.back().string();
    diagnostics.push_back(d);
  }
  if (!finished.ok()) return bad_input(diagnostics.back().format());
  return inventory;
}

}  // namespace responder::inventory
