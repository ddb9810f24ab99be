#include "responder/targets/responder_package.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "responder/child_process.h"
#include "responder/message_text.h"
#include "responder/sha256.h"
#include "responder/targets/step_protocol.h"

namespace responder::targets {
namespace {

// A private copy of `bytes` for dpkg-deb to read, removed with this object:
// the control fields checked are those of the bytes that will be sent, even
// if the file given is replaced meanwhile.
class PrivateCopy {
 public:
  Status write(const std::string& bytes) {
    std::string name = (std::filesystem::temp_directory_path() / "responder-package-XXXXXX").string();
    int fd = ::mkstemp(name.data());
    if (fd < 0) return failure("cannot make a temporary file to read the package's control fields: " + std::string(std::strerror(errno)));
    path_ = name;
    std::size_t written = 0;
    while (written < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return failure("cannot write " + path_.string() + ": " + why);
      }
      written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return {};
  }
  ~PrivateCopy() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "Key: value" lines of `dpkg-deb --field`, the value of `key` or "".
std::string control_field(const std::string& fields, std::string_view key) {
  std::istringstream in(fields);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    std::string value = line.substr(key.size() + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.pop_back();
    return value;
  }
  return "";
}

}  // namespace

Result<ResponderPackage> read_responder_package(const std::filesystem::path& file) {
  std::string shown = in_quotes(file.string());
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status))
    return bad_input("the package " + shown + " does not exist (make it with `cpack -G DEB` in the build directory)");
  if (!std::filesystem::is_regular_file(status)) return bad_input("the package " + shown + " is not a file");
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return bad_input("cannot read the package " + shown + ": " + ec.message());
  if (size > kMaxPackageBytes)
    return bad_input("the package " + shown + " holds " + std::to_string(size) + " bytes, more than a responder package (at most " +
                     std::to_string(kMaxPackageBytes) + ")");

  ResponderPackage package;
  package.file = file;
  std::ifstream in(file, std::ios::binary);
  if (!in) return bad_input("cannot read the package " + shown + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return bad_input("cannot read the package " + shown);
  package.bytes = std::move(bytes).str();

  PrivateCopy copy;
  if (auto written = copy.write(package.bytes); !written) return written.error();
  std::vector<std::string> argv = {"dpkg-deb", "--field", copy.path().string(), "Package", "Version"};
  auto fields = run_program(argv, {}, std::chrono::seconds(60));
  if (!fields) return bad_input("cannot read the package " + shown + "'s control fields: " + fields.error().message);
  if (fields->exit_code != 0) {
    // dpkg-deb names the private copy: say the file the user gave instead.
    std::string said = fields->err.substr(0, fields->err.find('\n'));
    for (auto at = said.find(copy.path().string()); at != std::string::npos; at = said.find(copy.path().string()))
      said.replace(at, copy.path().string().size(), file.string());
    return bad_input(shown + " is not a Debian package (" + one_line(said) + ")");
  }
  std::string name = control_field(fields->out, "Package");
  if (name != "responder")
    return bad_input(shown + " is the package " + in_quotes(name) + ", not responder (make it with `cpack -G DEB`)");
  package.version = control_field(fields->out, "Version");
  if (package.version != responder_version())
    return bad_input(shown + " is responder " + one_line(package.version) + ", but this responder is " +
                     std::string(responder_version()) + ": hosts must run exactly the controller's version; use the "
                     "package this build makes (`cpack -G DEB` in its build directory)");
  package.sha256 = sha256_hex(package.bytes);
  return package;
}

}  // namespace responder::targets
