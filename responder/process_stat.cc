#include "responder/process_stat.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace responder {

std::vector<std::string> process_stat_fields(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return {};
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(all.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

std::uint64_t process_start_time(pid_t pid) {
  auto fields = process_stat_fields(pid);
  return fields.size() > 19 ? std::strtoull(fields[19].c_str(), nullptr, 10) : 0;
}

bool process_running(pid_t pid) {
  auto fields = process_stat_fields(pid);
  return !fields.empty() && fields[0] != "Z" && fields[0] != "X";
}

}  // namespace responder
