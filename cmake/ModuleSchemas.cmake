# responder_embed_schemas(TARGET)
# Every `*.schema.yaml` in the calling folder and its sub-folders is the
# declared parameter schema of one module (or configuration section). Each is compiled into TARGET as a
# string registered with the schema catalogue at start-up, so the schema lives
# beside its module as data, osquery-style, and still ships inside the binary.
function(responder_embed_schemas target)
  file(GLOB_RECURSE schemas CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.schema.yaml")
  foreach(schema IN LISTS schemas)
    file(RELATIVE_PATH stem "${CMAKE_CURRENT_SOURCE_DIR}" "${schema}")
    string(REGEX REPLACE "\\.schema\\.yaml$" "" stem "${stem}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${schema}")
    file(READ "${schema}" text)
    string(MAKE_C_IDENTIFIER "${stem}" ident)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/schema_${ident}.cc")
    file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${schema}")
    file(CONFIGURE OUTPUT "${out}" CONTENT
"// Generated from ${rel}; edit that file instead.
#include \"responder/schema_catalog.h\"
namespace {
const responder::SchemaRegistration registration{\"${rel}\", R\"responder_schema(${text})responder_schema\"};
}
" @ONLY)
    target_sources(${target} PRIVATE "${out}")
  endforeach()
endfunction()

# responder_folder_library(NAME)
# The static library of one top-level folder: every .cc in it and in its
# sub-folders (one per concept), plus their schemas. It links the engine's
# usage requirements, never `engine` itself: every program links each folder
# library whole once (responder_link_all), and a folder library that linked
# `engine` PUBLIC would put it twice in the --whole-archive group (duplicate
# symbols, every start-up registration run twice).
function(responder_folder_library name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cc")
  add_library(${name} STATIC ${sources})
  target_link_libraries(${name} PUBLIC engine_interface)
  responder_embed_schemas(${name})
endfunction()
