#include "responder/ssh_signature.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "responder/child_process.h"

namespace responder {
namespace {

constexpr auto kSignTimeout = std::chrono::minutes(2);  // a passphrase or a security-key touch takes a person
constexpr auto kVerifyTimeout = std::chrono::seconds(30);

// A directory only this user can enter, removed with what is in it.
class PrivateDir {
 public:
  static Result<PrivateDir> make() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/responder-sig-XXXXXX";
    if (!::mkdtemp(templ.data())) return failure("cannot create a temporary directory: " + std::string(std::strerror(errno)));
    PrivateDir dir;
    dir.path_ = templ;
    return dir;
  }
  PrivateDir() = default;
  PrivateDir(PrivateDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  PrivateDir& operator=(PrivateDir&&) = delete;
  ~PrivateDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  // Writes `text` to a new 0600 file in the directory.
  Result<std::filesystem::path> write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return failure("cannot create " + file.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fd);
        return failure("cannot write " + file.string() + ": " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return file;
  }

 private:
  std::filesystem::path path_;
};

std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

Result<std::string> ssh_sign(const std::filesystem::path& key, const std::string& message, const std::string& name_space) {
  std::vector<std::string> argv = {"ssh-keygen", "-q", "-Y", "sign", "-f", key.string(), "-n", name_space};
  auto run = run_program(argv, message, kSignTimeout);
  if (!run) return run.error();
  if (run->exit_code != 0 || run->out.find("-----BEGIN SSH SIGNATURE-----") == std::string::npos)
    return refusal("cannot sign with " + key.string() + ": " + describe_exit(argv, *run));
  return run->out;
}

Result<std::string> ssh_sign_with_agent(const std::vector<std::string>& public_keys, const std::string& message,
                                        const std::string& name_space) {
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  if (!agent || !*agent) return refusal("--agent: SSH_AUTH_SOCK is not set; start ssh-agent and ssh-add your key, or use --key");
  auto dir = PrivateDir::make();
  if (!dir) return dir.error();
  std::string reasons;
  for (std::size_t i = 0; i < public_keys.size(); ++i) {
    auto pub = dir->write("key" + std::to_string(i) + ".pub", public_keys[i] + "\n");
    if (!pub) return pub.error();
    auto signature = ssh_sign(*pub, message, name_space);
    if (signature) return signature;
    reasons += (reasons.empty() ? "" : "; ") + signature.error().message;
  }
  return refusal("ssh-agent holds none of the keys configured for this approver (" + reasons + ")");
}

Status ssh_verify(const std::string& allowed_signers, const std::string& identity, const std::string& name_space,
                  const std::string& signature, const std::string& message) {
  auto dir = PrivateDir::make();
  if (!dir) return dir.error();
  auto allowed = dir->write("allowed_signers", allowed_signers);
  if (!allowed) return allowed.error();
  auto sig = dir->write("message.sig", signature);
  if (!sig) return sig.error();
  std::vector<std::string> argv = {"ssh-keygen", "-Y", "verify", "-f", allowed->string(), "-I", identity,
                                   "-n", name_space, "-s", sig->string()};
  auto run = run_program(argv, message, kVerifyTimeout);
  if (!run) return run.error();
  if (run->exit_code == 0) return Status::success();
  std::string why = first_line(run->err.empty() ? run->out : run->err);
  return refusal("the signature does not verify for " + identity + (why.empty() ? "" : ": " + why));
}

}  // namespace responder
