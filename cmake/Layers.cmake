# One-way layers, enforced by the compiler rather than by review.
#
# Every folder of the engine is an OBJECT library (a "layer") that sees, besides the public
# headers, only its own folder and the folders of the layers it declares. It cannot include
# anything else because it has no include path to it: each layer gets a directory of its own
# under build/layers/ holding a single symbolic link to its folder, and that directory is its
# only include path. A layer that links another (PUBLIC or PRIVATE) sees that one's directory
# too; so `#include "compiler/checker/checker.hpp"` from runtime/ is "file not found".
# `ctest -R layers` proves it with a probe that must fail to compile.

set(LEADRULES_LAYERS "" CACHE INTERNAL "")
set(LEADRULES_ALL_VIEW ${CMAKE_BINARY_DIR}/layers/_all)

# leadrules_layer(<target> <folder> [PUBLIC deps...] [PRIVATE deps...])
function(leadrules_layer name folder)
  cmake_parse_arguments(L "" "" "PUBLIC;PRIVATE" ${ARGN})
  set(view ${CMAKE_BINARY_DIR}/layers/${name})
  foreach(root ${view} ${LEADRULES_ALL_VIEW})
    # A layer nested in another's folder (api/compiler in api) is already in the _all view.
    if(EXISTS ${root}/${folder} AND NOT IS_SYMLINK ${root}/${folder})
      continue()
    endif()
    get_filename_component(parent ${root}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endforeach()
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.cpp)
  add_library(${name} OBJECT ${sources})
  target_include_directories(${name} PUBLIC ${view} ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${name} PRIVATE ${LEADRULES_WARNINGS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(${name} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
  set(LEADRULES_LAYERS ${LEADRULES_LAYERS} ${name} CACHE INTERNAL "")
endfunction()
