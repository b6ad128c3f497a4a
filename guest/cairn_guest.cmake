# cairn guest runtime for CMake projects configured with riscv32-cairn.cmake.
#
#   include(<cairn>/guest/cairn_guest.cmake)
#   cairn_guest_executable(NAME SOURCES...)   # builds NAME.elf
#
# defines the object library cairn_guest_rt (crt0.S, cairn_glue.c), whose
# interface adds guest/include to the include path and links with the
# cairn_guest.ld memory map. Link-time options, e.g. a larger heap, go
# through target_link_options(NAME PRIVATE -Wl,--defsym=CAIRN_HEAP_SIZE=...).
if(NOT CMAKE_SYSTEM_PROCESSOR STREQUAL "riscv32")
  message(FATAL_ERROR "cairn_guest.cmake: configure with -DCMAKE_TOOLCHAIN_FILE=${CMAKE_CURRENT_LIST_DIR}/riscv32-cairn.cmake")
endif()
if(TARGET cairn_guest_rt)
  return()
endif()

set(CAIRN_GUEST_DIR ${CMAKE_CURRENT_LIST_DIR})
enable_language(ASM)

# An object library, not an archive: picolibc (linked last) refers back to
# stdout, write, sbrk and _exit in cairn_glue.c, which a once-scanned
# archive placed before -lc would not supply.
add_library(cairn_guest_rt OBJECT
  ${CAIRN_GUEST_DIR}/crt0.S
  ${CAIRN_GUEST_DIR}/cairn_glue.c)
target_include_directories(cairn_guest_rt PUBLIC ${CAIRN_GUEST_DIR}/include)
target_compile_options(cairn_guest_rt PRIVATE -O2 -Wall -Wextra)
target_link_options(cairn_guest_rt INTERFACE -T${CAIRN_GUEST_DIR}/cairn_guest.ld)
set_property(TARGET cairn_guest_rt APPEND PROPERTY INTERFACE_LINK_DEPENDS
  ${CAIRN_GUEST_DIR}/cairn_guest.ld)

function(cairn_guest_executable name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE cairn_guest_rt)
  # Set here: the Generic platform resets CMAKE_EXECUTABLE_SUFFIX after the
  # toolchain file has run.
  set_target_properties(${name} PROPERTIES SUFFIX ".elf")
endfunction()
