// firewall.block, for modules that block addresses as part of their own
// step (access.disable drops a VPN's remote addresses through it) and so
// depend on it at link time rather than finding it by name at run time.
#pragma once

#include "responder/module.h"

namespace responder::firewall {

// The firewall.block module (the registered one behaves the same: modules
// hold no state).
const Module& firewall_block_module();

}  // namespace responder::firewall
