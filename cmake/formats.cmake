# cmake/formats.cmake: fc_format() and fc_formats_generate(), for the list of formats in
# the top-level CMakeLists.txt. What the list produces, for the rest of the build:
#   FC_FORMATS          the names of the formats built, in the list's order
#   FC_FORMAT_SOURCES   their serializers/ sources
#   FC_FORMAT_TARGETS   the imported pkg-config targets they link with (PkgConfig::NAME)
#   FC_FORMAT_DEFINES   FC_HAVE_NAME=1 for each built (for code about one format's bytes)
#   FC_HAVE_NAME        ON for each format built (NAME in upper case)
#   FC_FORMATS_NOT_BUILT the names of the formats of the list not built
#   FC_FORMATS_MISSING  pairs: name, then why it was not built
#   ${FC_GENERATED_DIR}/fc_formats.h  the X-macro lists serializers/registry.c builds its
#                       array from, and cli/formats.c its "not built" lines
foreach(var FC_FORMATS FC_FORMAT_SOURCES FC_FORMAT_TARGETS FC_FORMAT_DEFINES FC_FORMATS_NOT_BUILT
            FC_FORMATS_MISSING)
  set(${var} "")
endforeach()
set(FC_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)

# fc_format(NAME SOURCE PKG_CONFIG_MODULE REQUIRED|OPTIONAL)
function(fc_format name source module need)
  string(TOUPPER "${name}" up)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "fc_format(${name}): a format's name is lower-case letters, digits "
                        "and '_' (it names the codec fc_codec_${name})")
  endif()
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/serializers/${source})
    message(FATAL_ERROR "fc_format(${name}): serializers/${source} does not exist")
  endif()
  set(why "")
  if(need STREQUAL "OPTIONAL")
    option(FC_WITH_${up} "Build the ${name} format (when its library is found)" ON)
    if(NOT FC_WITH_${up})
      set(why "turned off at configure time (-DFC_WITH_${up}=OFF)")
    elseif(module)
      pkg_check_modules(${up} IMPORTED_TARGET ${module})
      if(NOT ${up}_FOUND)
        set(why "${module} not found at configure time")
      endif()
    endif()
  elseif(need STREQUAL "REQUIRED")
    if(module)
      pkg_check_modules(${up} REQUIRED IMPORTED_TARGET ${module})
    endif()
  else()
    message(FATAL_ERROR "fc_format(${name}): the fourth argument is REQUIRED or OPTIONAL, "
                        "not '${need}'")
  endif()

  if(why)
    message(STATUS "format ${name}: not built: ${why}")
    set(FC_FORMATS_NOT_BUILT ${FC_FORMATS_NOT_BUILT} ${name} PARENT_SCOPE)
    set(FC_FORMATS_MISSING ${FC_FORMATS_MISSING} ${name} "${why}" PARENT_SCOPE)
    set(FC_HAVE_${up} OFF PARENT_SCOPE)
    return()
  endif()
  set(FC_FORMATS ${FC_FORMATS} ${name} PARENT_SCOPE)
  set(FC_FORMAT_SOURCES ${FC_FORMAT_SOURCES} ${PROJECT_SOURCE_DIR}/serializers/${source}
      PARENT_SCOPE)
  if(module)
    set(FC_FORMAT_TARGETS ${FC_FORMAT_TARGETS} PkgConfig::${up} PARENT_SCOPE)
  endif()
  set(FC_FORMAT_DEFINES ${FC_FORMAT_DEFINES} FC_HAVE_${up}=1 PARENT_SCOPE)
  set(FC_HAVE_${up} ON PARENT_SCOPE)
endfunction()

# Writes ${FC_GENERATED_DIR}/fc_formats.h from serializers/fc_formats.h.in.
function(fc_formats_generate)
  if(NOT FC_FORMATS)
    message(FATAL_ERROR "no format is built: the list of formats needs at least one")
  endif()
  set(FC_FORMATS_BUILT_X "")
  foreach(name ${FC_FORMATS})
    string(APPEND FC_FORMATS_BUILT_X " X(${name})")
  endforeach()
  set(FC_FORMATS_MISSING_X "")
  set(pairs ${FC_FORMATS_MISSING})
  while(pairs)
    list(POP_FRONT pairs name why)
    string(REPLACE "\\" "\\\\" why "${why}")
    string(REPLACE "\"" "\\\"" why "${why}")
    string(APPEND FC_FORMATS_MISSING_X " X(\"${name}\", \"${why}\")")
  endwhile()
  configure_file(${PROJECT_SOURCE_DIR}/serializers/fc_formats.h.in
                 ${FC_GENERATED_DIR}/fc_formats.h @ONLY)
endfunction()
