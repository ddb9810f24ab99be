// Ansible's YAML inventory format, read as ansible/plugins/inventory/yaml.py
// reads it:
//
//   all:
//     hosts: {web01: {ansible_host: 192.0.2.11}}
//     vars: {ansible_user: admin}
//     children:
//       db: {hosts: {"db-[a:c]": null}}
//
// Each top-level key is a group with optional `hosts` (host entry -> its
// variables; ranges and `:PORT` allowed), `vars` and `children` (nested
// groups, the same shape). Scalars resolve as PyYAML (YAML 1.1) resolves
// them: `yes`/`on` are true, `0755` is octal, `1:30` is 90. Keys Ansible
// skips with a warning are skipped with a warning here too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "responder/diagnostic.h"
#include "responder/inventory/inventory.h"
#include "responder/result.h"

namespace responder::inventory {

// Adds what `text` (the contents of `file`) declares to `inventory`.
// Warnings go to `diagnostics`; on failure `diagnostics` ends with the
// error, FILE:LINE:COL, and the returned error's message is that same line.
Status load_yaml_inventory(std::string_view text, const std::string& file, Inventory& inventory,
                           std::vector<Diagnostic>& diagnostics);

// Whether `text` parses as YAML whose top is a mapping of group names to
// mappings (or nothing): what an Ansible YAML inventory looks like.
bool looks_like_yaml_inventory(std::string_view text);

}  // namespace responder::inventory
