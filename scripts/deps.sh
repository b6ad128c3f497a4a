#!/usr/bin/env bash
# Installs the Debian 12 packages cairn needs, if any is missing.
# One list, used by both `make demo` and `make test`. Debian packages only.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  clang libclang-rt-14-dev libomp-dev # libFuzzer harnesses and sanitizers
  libopenmpi-dev openmpi-bin          # MPI ranks
  libhdf5-dev hdf5-tools              # job files, h5dump
  python3 python3-h5py                # tests read job files as a user would
  libzstd-dev                         # zstd HDF5 filter (ID 32015)
  libcunit1-dev                       # test suites
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf  # guest programs
  qemu-user                           # qemu-riscv32, differential reference
  slurmctld slurmd slurm-client munge # cairn submit and its tests (a local Slurm)
  libpmix-dev                         # srun --mpi=pmix: Slurm's pmix plugin dlopens its libpmix.so
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "cairn: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "cairn: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
