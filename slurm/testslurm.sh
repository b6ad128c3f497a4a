# A throw-away Slurm on this machine for the tests (bash; sourced, not run):
# munged, slurmctld and slurmd on localhost with a generated slurm.conf,
# every file in one temporary folder, every daemon stopped by its PID when
# the sourcing shell exits.
#
#   . slurm/testslurm.sh        # then: slurm_up || exit 77
#
# slurm_up starts the daemons and waits (bounded) until sinfo shows the
# node idle; it exports SLURM_CONF (every Slurm command reads it) and sets
# SLURM_DIR (the folder). On any failure it prints the reason to stderr and
# returns 77, which a test passes on as its exit status: CTest reports a
# skip (SKIP_RETURN_CODE), never a pass. slurm_down (run by the EXIT trap
# that slurm_up installs, after any trap the caller set before) stops the
# daemons by PID and removes the folder (kept with SLURM_KEEP=1).
#
# Settings and why (Slurm 22.05, Debian 12; REFERENCE.md "Slurm"):
#   ProctrackType=proctrack/linuxproc, TaskPlugin=task/none: no cgroup
#     set-up needed (containers, no systemd);
#   SlurmUser=root, SlurmdUser=root: the tests run as root, no slurm user's
#     permissions on the temporary folder;
#   MpiDefault=none: a test asks for --mpi=pmix itself, as cairn submit's
#     script does;
#   ReturnToService=2: a node that went down comes back when slurmd talks;
#   SchedulerParameters=... and SchedulerTimeSlice: a requeued job is held
#     back by its BeginTime (about 2 minutes): the tests clear it with
#     `scontrol update JobId=N StartTime=now` (slurm_kick);
#   KillWait=5: a cancelled step gets SIGKILL 5 s after SIGTERM (default 30).
# The node has the machine's CPUs and RealMemory (MiB) less a margin.

SLURM_DIR=
SLURM_PIDS=()
SLURM_PREV_TRAP=

slurm_skip() { echo "SKIP: local Slurm: $*" >&2; return 77; }

slurm_down()
{
    local p
    for p in "${SLURM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SLURM_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    SLURM_PIDS=()
    if [ -n "$SLURM_DIR" ] && [ "${SLURM_KEEP:-0}" != 1 ]; then rm -rf "$SLURM_DIR"; fi
}

# slurm_pid_of FILE: the PID a daemon wrote, waiting for it (bounded)
slurm_pid_of()
{
    for _ in $(seq 100); do
        if [ -s "$1" ]; then cat "$1"; return 0; fi
        sleep 0.1
    done
    return 1
}

slurm_up()
{
    local t
    for t in munged slurmctld slurmd sinfo sbatch scontrol; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
            { slurm_skip "$t is not installed (Debian: munge slurmctld slurmd slurm-client; scripts/deps.sh)"; return 77; }
    done
    [ "$(id -u)" = 0 ] || { slurm_skip "the daemons need root here (SlurmUser=root)"; return 77; }
    PATH=$PATH:/usr/sbin
    SLURM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cairn-slurm.XXXXXX") || { slurm_skip "no temporary folder"; return 77; }
    SLURM_PREV_TRAP=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
    trap 'slurm_down; '"$SLURM_PREV_TRAP" EXIT
    local d=$SLURM_DIR
    mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
    chmod 700 "$d/munge"

    # munge: the machine's key, or one of our own
    local key=/etc/munge/munge.key
    if ! [ -r "$key" ]; then
        key=$d/munge/munge.key
        if command -v mungekey >/dev/null 2>&1 || [ -x /usr/sbin/mungekey ]; then
            mungekey --create --keyfile="$key" >/dev/null 2>&1
        fi
        [ -s "$key" ] || dd if=/dev/urandom of="$key" bs=1024 count=1 status=none 2>/dev/null
        [ -s "$key" ] || { slurm_skip "no munge key can be created"; return 77; }
        chmod 400 "$key"
    fi
    local sock=$d/munge/munge.socket
    munged --key-file="$key" --socket="$sock" --pid-file="$d/munge/munged.pid" \
        --log-file="$d/log/munged.log" --seed-file="$d/munge/seed" -f >"$d/log/munged.out" 2>&1 ||
        { slurm_skip "munged does not start: $(tail -n 3 "$d/log/munged.out" "$d/log/munged.log" 2>/dev/null | tr '\n' ' ')"; return 77; }
    local pid
    pid=$(slurm_pid_of "$d/munge/munged.pid") || { slurm_skip "munged wrote no PID"; return 77; }
    SLURM_PIDS+=("$pid")

    local cpus mem
    cpus=$(nproc --all)
    mem=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
    cat >"$d/slurm.conf" <<CONF
ClusterName=cairntest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
SlurmctldPort=$(( 17000 + RANDOM % 2000 * 2 ))
SlurmdPort=$(( 21000 + RANDOM % 2000 * 2 ))
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
KillWait=5
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
    export SLURM_CONF=$d/slurm.conf
    slurmctld -i -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1 ||
        { slurm_skip "slurmctld does not start: $(tail -n 5 "$d/log/slurmctld.out" "$d/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"; return 77; }
    pid=$(slurm_pid_of "$d/slurmctld.pid") || { slurm_skip "slurmctld wrote no PID: $(tail -n 5 "$d/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"; return 77; }
    SLURM_PIDS+=("$pid")
    slurmd -f "$SLURM_CONF" >"$d/log/slurmd.out" 2>&1 ||
        { slurm_skip "slurmd does not start: $(tail -n 5 "$d/log/slurmd.out" "$d/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"; return 77; }
    pid=$(slurm_pid_of "$d/slurmd.pid") || { slurm_skip "slurmd wrote no PID: $(tail -n 5 "$d/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"; return 77; }
    SLURM_PIDS+=("$pid")

    # the node idle (30 s at most)
    local st=
    for _ in $(seq 60); do
        st=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1)
        [ "$st" = idle ] && return 0
        sleep 0.5
    done
    slurm_skip "the node is not idle after 30 s (sinfo: '${st:-nothing}'): $(tail -n 5 "$d/log/slurmd.log" "$d/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    return 77
}

# slurm_kick JOBID: a requeued job waits for its BeginTime (about 2 min);
# start it now. First the node must be idle again (the killed batch step
# gone) and a second boundary must have passed: slurmd revokes the job's
# credential when the requeue kills it and refuses a new launch whose
# credential is dated the same second (whole-second times), and the job
# then ends FAILED instead of starting. Production Slurm never starts a
# requeued job that early (BeginTime); only this shortcut can.
slurm_kick()
{
    local st= t0
    for _ in $(seq 100); do
        st=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1)
        [ "$st" = idle ] && break
        sleep 0.1
    done
    t0=$(date +%s)
    while [ "$(date +%s)" -le $((t0 + 1)) ]; do sleep 0.2; done
    scontrol update JobId="$1" StartTime=now >/dev/null 2>&1
}

# slurm_logs JOBID: what slurmctld and slurmd logged about the job (to
# stderr, for a test that failed: the folder is removed at exit)
slurm_logs()
{
    [ -n "$SLURM_DIR" ] || return 0
    echo "--- slurmctld and slurmd about job $1:" >&2
    grep -hE "JobId=$1([^0-9]|\$)|job $1([^0-9]|\$)|StepId=$1\.|error" \
        "$SLURM_DIR/log/slurmctld.log" "$SLURM_DIR/log/slurmd.log" 2>/dev/null | tail -n 40 | sed 's/^/    /' >&2
    scontrol show job "$1" 2>/dev/null | sed 's/^/    /' >&2
}

# slurm_state JOBID: the job's state (PENDING, RUNNING, COMPLETED, ...)
slurm_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }

# slurm_restarts JOBID: how often the job was requeued (scontrol's Restarts)
slurm_restarts() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p' | head -n 1; }

# slurm_wait_state JOBID SECONDS STATE...: waits until the job is in one of
# the states (returns 0) or the time is up (returns 1)
slurm_wait_state()
{
    local id=$1 secs=$2 s
    shift 2
    for _ in $(seq $((secs * 2))); do
        s=$(slurm_state "$id")
        for w in "$@"; do [ "$s" = "$w" ] && return 0; done
        sleep 0.5
    done
    return 1
}
