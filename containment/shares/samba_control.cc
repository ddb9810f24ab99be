#include "containment/shares/samba_control.h"

#include "responder/child_process.h"

namespace responder::shares {
namespace {

constexpr auto kSambaToolTimeout = std::chrono::seconds(30);

std::string configfile_option(const std::filesystem::path& config) { return "--configfile=" + config.string(); }

std::string without_trailing_space(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> samba_share_parameter(const std::filesystem::path& config, const std::string& share,
                                          const std::string& parameter) {
  std::vector<std::string> argv{"testparm", "-s", "--parameter-name=" + parameter, "--section-name=" + share,
                                config.string()};
  auto run = run_program(argv, {}, kSambaToolTimeout);
  if (!run) return run.error();
  if (run->exit_code != 0)
    return failure("cannot read `" + parameter + "` of Samba share [" + share + "] from " + config.string() + ": " +
                   describe_exit(argv, *run));
  return without_trailing_space(run->out);
}

Result<bool> samba_share_read_only(const std::filesystem::path& config, const std::string& share) {
  auto read_only = samba_share_parameter(config, share, "read only");
  if (!read_only) return read_only.error();
  auto write_list = samba_share_parameter(config, share, "write list");
  if (!write_list) return write_list.error();
  return *read_only == "Yes" && write_list->empty();
}

Result<SmbdReload> reload_smbd(const std::filesystem::path& config) {
  std::vector<std::string> argv{"smbcontrol", configfile_option(config), "smbd", "reload-config"};
  auto run = run_program(argv, {}, kSambaToolTimeout);
  if (!run) return run.error();
  if (run->exit_code == 0) return SmbdReload::reloaded;
  if ((run->out + run->err).find("Can't find pid") != std::string::npos) return SmbdReload::not_running;
  return failure("cannot make smbd reload " + config.string() + ": " + describe_exit(argv, *run));
}

Status close_samba_share(const std::filesystem::path& config, const std::string& share) {
  std::vector<std::string> argv{"smbcontrol", configfile_option(config), "smbd", "close-share", share};
  auto run = run_program(argv, {}, kSambaToolTimeout);
  if (!run) return run.error();
  if (run->exit_code != 0)
    return failure("cannot close the open connections to Samba share [" + share + "]: " + describe_exit(argv, *run));
  return Status::success();
}

}  // namespace responder::shares
