#include "forensics/tar_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace responder {
namespace {

constexpr std::size_t kBlock = 512;

std::uint64_t octal(const char* field, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width && field[i]; ++i) {
    if (field[i] == ' ') continue;
    if (field[i] < '0' || field[i] > '7') break;
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
  }
  return value;
}

std::string field_text(const char* field, std::size_t width) { return std::string(field, strnlen(field, width)); }

bool safe_path(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  for (auto& part : std::filesystem::path(name))
    if (part == "..") return false;
  return true;
}

}  // namespace

Status extract_tar(const std::filesystem::path& archive, const std::filesystem::path& destination) {
  std::ifstream in(archive, std::ios::binary);
  if (!in) return failure("cannot read " + archive.string());
  std::string pax_path;
  std::int64_t pax_size = -1;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    char block[kBlock];
    if (!in.read(block, kBlock)) return failure(archive.string() + ": ends without the end-of-archive blocks");
    bool zero = true;
    for (char c : block) zero = zero && c == 0;
    if (zero) return {};
    unsigned sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
    if (sum != octal(block + 148, 8)) return failure(archive.string() + ": a header checksum is wrong (damaged archive)");
    char type = block[156];
    std::string name = field_text(block, 100);
    std::string prefix = field_text(block + 345, 155);
    if (std::memcmp(block + 257, "ustar", 5) == 0 && !prefix.empty()) name = prefix + "/" + name;
    std::uint64_t size = octal(block + 124, 12);
    if (type == 'x' || type == 'g') {
      std::string records(size, '\0');
      if (!in.read(records.data(), static_cast<std::streamsize>(size))) return failure(archive.string() + ": truncated");
      in.ignore(static_cast<std::streamsize>((kBlock - size % kBlock) % kBlock));
      if (type == 'g') continue;
      std::size_t at = 0;
      while (at < records.size()) {
        auto space = records.find(' ', at);
        if (space == std::string::npos) break;
        std::size_t len = std::stoul(records.substr(at, space - at));
        if (len == 0 || at + len > records.size()) break;
        std::string record = records.substr(space + 1, len - (space - at) - 2);
        auto eq = record.find('=');
        if (eq != std::string::npos) {
          if (record.substr(0, eq) == "path") pax_path = record.substr(eq + 1);
          if (record.substr(0, eq) == "size") pax_size = std::stoll(record.substr(eq + 1));
        }
        at += len;
      }
      continue;
    }
    if (!pax_path.empty()) name = pax_path;
    if (pax_size >= 0) size = static_cast<std::uint64_t>(pax_size);
    pax_path.clear();
    pax_size = -1;
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (!safe_path(name)) return failure(archive.string() + ": refuses unsafe path '" + name + "'");
    auto target = destination / name;
    if (type == '5') {
      std::filesystem::create_directories(target);
      continue;
    }
    if (type != '0' && type != '\0')
      return failure(archive.string() + ": '" + name + "' is not a regular file or directory (type " +
                     std::string(1, type) + "); a bundle holds only files");
    std::filesystem::create_directories(target.parent_path());
    int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) return failure("cannot create " + target.string() + ": " + std::strerror(errno));
    std::uint64_t left = size;
    while (left > 0) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
      if (!in.read(buffer.data(), static_cast<std::streamsize>(take))) {
        ::close(out);
        return failure(archive.string() + ": truncated inside " + name);
      }
      if (::write(out, buffer.data(), take) != static_cast<ssize_t>(take)) {
        ::close(out);
        return failure("cannot write " + target.string() + ": " + std::strerror(errno));
      }
      left -= take;
    }
    ::close(out);
    in.ignore(static_cast<std::streamsize>((kBlock - size % kBlock) % kBlock));
  }
}

}  // namespace responder
