# Generates results_generated.h from results.fbs with flatc, into the build tree at build
# time (nothing generated is committed), for serializers/flatbuffers_shim.cc: the target
# fc_fbs gives its directory (as a system one: generated code is not held to our
# warnings) and builds it first. Included by the top CMakeLists.txt when the flatbuffers
# format is built (FC_PROGRAM_FLATC: cmake/formats.cmake, fc_format's PROGRAM).
set(FC_FBS_SRC ${CMAKE_CURRENT_LIST_DIR}/results.fbs)
set(FC_FBS_DIR ${PROJECT_BINARY_DIR}/proto/fbs)
add_custom_command(
  OUTPUT ${FC_FBS_DIR}/results_generated.h
  COMMAND ${FC_PROGRAM_FLATC} --cpp -o ${FC_FBS_DIR} ${FC_FBS_SRC}
  DEPENDS ${FC_FBS_SRC}
  COMMENT "flatc: generating results_generated.h"
  VERBATIM)
add_custom_target(fc_fbs_generate DEPENDS ${FC_FBS_DIR}/results_generated.h)
add_library(fc_fbs INTERFACE)
target_include_directories(fc_fbs SYSTEM INTERFACE ${FC_FBS_DIR})
add_dependencies(fc_fbs fc_fbs_generate)
