#include "forensics/evidence/tar_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace responder::evidence {
namespace {

constexpr std::size_t kBlock = 512;
// Far above the path and size records a bundle's pax headers hold; refuses
// an allocation the size field alone would ask for.
constexpr std::uint64_t kMaxPaxHeader = 1 << 20;

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
  // A NUL would cut the name short at the system call, after this check.
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos) return false;
  for (auto& part : std::filesystem::path(name))
    if (part == "..") return false;
  return true;
}

// Pax extended header records, "<len> <key>=<value>\n" with <len> counting the
// whole record: takes `path` and `size`, refuses anything malformed.
Status read_pax(std::string_view records, std::string& path, std::int64_t& size) {
  while (!records.empty()) {
    auto space = records.find(' ');
    std::size_t len = 0;
    auto [end, error] = std::from_chars(records.data(), records.data() + (space == std::string_view::npos ? 0 : space), len);
    if (space == std::string_view::npos || error != std::errc() || end != records.data() + space || len <= space + 1 ||
        len > records.size() || records[len - 1] != '\n')
      return failure("a pax header record is malformed (damaged archive)");
    std::string_view record = records.substr(space + 1, len - space - 2);
    records.remove_prefix(len);
    auto eq = record.find('=');
    if (eq == std::string_view::npos) return failure("a pax header record has no '=' (damaged archive)");
    std::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") path = std::string(value);
    if (key == "size") {
      auto [at, bad] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (bad != std::errc() || at != value.data() + value.size() || size < 0)
        return failure("a pax size '" + std::string(value) + "' is not a number of bytes (damaged archive)");
    }
  }
  return {};
}

}  // namespace

Status extract_tar(const std::filesystem::path& archive, const std::filesystem::path& destination) {
  std::ifstream in(archive, std::ios::binary);
  if (!in) return failure("cannot read " + archive.string());
  return extract_tar(in, archive.string(), destination);
}

Status extract_tar(std::istream& in, const std::string& origin, const std::filesystem::path& destination) {
  std::string pax_path;
  std::int64_t pax_size = -1;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    char block[kBlock];
    if (!in.read(block, kBlock)) return failure(origin + ": ends without the end-of-archive blocks");
    bool zero = true;
    for (char c : block) zero = zero && c == 0;
    if (zero) return {};
    unsigned sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(block[i]);
    if (sum != octal(block + 148, 8)) return failure(origin + ": a header checksum is wrong (damaged archive)");
    char type = block[156];
    std::string name = field_text(block, 100);
    std::string prefix = field_text(block + 345, 155);
    if (std::memcmp(block + 257, "ustar", 5) == 0 && !prefix.empty()) name = prefix + "/" + name;
    std::uint64_t size = octal(block + 124, 12);
    if (type == 'x' || type == 'g') {
      if (size > kMaxPaxHeader)
        return failure(origin + ": a pax header of " + std::to_string(size) + " bytes is larger than any bundle writes");
      std::string records(size, '\0');
      if (!in.read(records.data(), static_cast<std::streamsize>(size))) return failure(origin + ": truncated");
      in.ignore(static_cast<std::streamsize>((kBlock - size % kBlock) % kBlock));
      if (type == 'g') continue;
      if (Status s = read_pax(records, pax_path, pax_size); !s) return failure(origin + ": " + s.error().message);
      continue;
    }
    if (!pax_path.empty()) name = pax_path;
    if (pax_size >= 0) size = static_cast<std::uint64_t>(pax_size);
    pax_path.clear();
    pax_size = -1;
    while (!name.empty() && name.back() == '/') name.pop_back();
    if (!safe_path(name)) return failure(origin + ": refuses unsafe path '" + name + "'");
    auto target = destination / name;
    std::error_code ec;
    if (type == '5') {
      // A name already taken by a file is a damaged or hostile bundle, not a crash.
      if (!std::filesystem::create_directories(target, ec) && ec)
        return failure("cannot create directory " + target.string() + ": " + ec.message());
      continue;
    }
    if (type != '0' && type != '\0')
      return failure(origin + ": '" + name + "' is not a regular file or directory (type " +
                     std::string(1, type) + "); a bundle holds only files");
    if (!std::filesystem::create_directories(target.parent_path(), ec) && ec)
      return failure("cannot create directory " + target.parent_path().string() + ": " + ec.message());
    int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) return failure("cannot create " + target.string() + ": " + std::strerror(errno));
    std::uint64_t left = size;
    while (left > 0) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
      if (!in.read(buffer.data(), static_cast<std::streamsize>(take))) {
        ::close(out);
        return failure(origin + ": truncated inside " + name);
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

}  // namespace responder::evidence
