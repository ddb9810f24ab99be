#include "forensics/evidence/open_manifest.h"

#include <map>
#include <mutex>

#include "responder/durable_file.h"

namespace responder::evidence {
namespace {

std::mutex kept_mutex;
std::map<std::filesystem::path, std::shared_ptr<OpenManifest>>& kept() {
  static std::map<std::filesystem::path, std::shared_ptr<OpenManifest>> manifests;
  return manifests;
}

}  // namespace

void OpenManifest::forget(const std::filesystem::path& directory) {
  std::lock_guard lock(kept_mutex);
  kept().erase(directory);
}

Result<std::shared_ptr<OpenManifest>> OpenManifest::load(const std::filesystem::path& evidence_directory,
                                                         const std::string& incident_id) {
  std::shared_ptr<OpenManifest> cached;
  {
    std::lock_guard lock(kept_mutex);
    if (auto it = kept().find(evidence_directory); it != kept().end()) cached = it->second;
  }
  if (cached) {
    auto on_disk = read_text_file(evidence_directory / "manifest.json");
    if (on_disk && *on_disk == cached->written_) return cached;
    forget(evidence_directory);
  }
  auto manifest = EvidenceManifest::open_or_create(evidence_directory, incident_id);
  if (!manifest) return manifest.error();
  auto open = std::make_shared<OpenManifest>();
  open->directory_ = evidence_directory;
  open->head_ = manifest_text_head(manifest->bundle);
  open->item_texts_.reserve(manifest->items.size());
  for (auto& item : manifest->items) {
    open->item_texts_.push_back(manifest_item_text(item));
    open->sums_ += manifest_sum_line(item);
  }
  open->manifest_ = std::move(*manifest);
  return open;
}

Status OpenManifest::append(std::vector<EvidenceItem> items) {
  for (auto& item : items) {
    item_texts_.push_back(manifest_item_text(item));
    sums_ += manifest_sum_line(item);
    manifest_.items.push_back(std::move(item));
  }
  std::string text = manifest_text(head_, item_texts_);
  Status written = write_file_atomically(directory_ / "manifest.json", text, 0644);
  if (written) written = write_file_atomically(directory_ / "manifest.sha256", sums_, 0644);
  if (!written) {
    forget(directory_);
    return written;
  }
  written_ = std::move(text);
  std::lock_guard lock(kept_mutex);
  kept()[directory_] = shared_from_this();
  return {};
}

}  // namespace responder::evidence
