# CMake toolchain file for cairn guest programs: RV32IM, ilp32, picolibc.
#
#   cmake -S myguest -B build -DCMAKE_TOOLCHAIN_FILE=/path/to/cairn/guest/riscv32-cairn.cmake
#
# and in myguest/CMakeLists.txt:
#
#   include(/path/to/cairn/guest/cairn_guest.cmake)
#   cairn_guest_executable(myprog main.c)
#
# Compiler: Debian's gcc-riscv64-unknown-elf (a multilib riscv64 compiler
# that also targets rv32) with picolibc-riscv64-unknown-elf, whose
# lib/release/rv32im/ilp32 multilib matches -march=rv32im -mabi=ilp32.
# The cairn VM implements RV32IM only, so no C (compressed), A or F/D
# extensions: the libraries linked in must come from the rv32im multilib.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)

set(CAIRN_GUEST_TRIPLE riscv64-unknown-elf CACHE STRING "Prefix of the RISC-V cross tools")
find_program(CMAKE_C_COMPILER ${CAIRN_GUEST_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_ASM_COMPILER ${CAIRN_GUEST_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_OBJDUMP ${CAIRN_GUEST_TRIPLE}-objdump)
find_program(CMAKE_SIZE ${CAIRN_GUEST_TRIPLE}-size)

# -march/-mabi select the multilib; picolibc.specs adds picolibc's include
# and library paths; --picolibc-buildtype=release picks the speed-optimised build of
# picolibc instead of the size-optimised default. -mcmodel=medlow is the
# default and fits the map of cairn_guest.ld (everything below 2 GiB).
set(CAIRN_GUEST_ARCH_FLAGS "-march=rv32im -mabi=ilp32 -mcmodel=medlow")
set(CAIRN_GUEST_LIBC_FLAGS "--specs=picolibc.specs --picolibc-buildtype=release")

set(CMAKE_C_FLAGS_INIT "${CAIRN_GUEST_ARCH_FLAGS} ${CAIRN_GUEST_LIBC_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${CAIRN_GUEST_ARCH_FLAGS} ${CAIRN_GUEST_LIBC_FLAGS}")
# crt0 and the linker script come from cairn_guest.cmake, so picolibc's
# own start files are not linked (-nostartfiles); --gc-sections drops
# unused library code.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles -Wl,--gc-sections")

# Cross-compiling: the compiler's test program cannot link without our
# crt0 and linker script, so CMake's check compiles a static library only.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
