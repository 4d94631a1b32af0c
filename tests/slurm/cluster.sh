# tests/slurm/cluster.sh -- a one-machine Slurm cluster for the test
# (tests/slurm/run.sh) and the benchmark (bench/slurm.sh); sourced, bash.
#
#   cluster_start WORKDIR   munged (as the munge user, its own key and socket
#                           in a fresh directory under /run/munge), slurmctld
#                           and slurmd (root, a generated slurm.conf, state,
#                           spool and logs under WORKDIR, a free port pair);
#                           exports SLURM_CONF.  Returns 0, or 77 with the
#                           reason in CLUSTER_WHY when Slurm cannot start here.
#   cluster_stop            cancels the jobs, then stops every daemon it
#                           started, by pid (SIGTERM, SIGKILL after 5 s), and
#                           removes the munge directory.  Safe to call twice;
#                           callers run it from a trap on EXIT.
# The slurm.conf is what works on Debian 12's slurm-wlm 22.05 in a VM or
# container without cgroups: proctrack/linuxproc, task/none,
# select/cons_tres, SlurmUser=root, no accounting.

CLUSTER_PIDS=()
CLUSTER_MUNGE=""
CLUSTER_WHY=""

cluster_stop() {
    # jobs first (their slurmstepd would outlive slurmd), then the daemons
    if [ -n "${SLURM_CONF:-}" ] && [ ${#CLUSTER_PIDS[@]} -gt 1 ]; then
        scancel --quiet --user=root 2>/dev/null
        for _ in $(seq 50); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    local p i
    for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
        p=${CLUSTER_PIDS[$i]}
        kill "$p" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    CLUSTER_PIDS=()
    [ -n "$CLUSTER_MUNGE" ] && rm -rf "$CLUSTER_MUNGE"
    CLUSTER_MUNGE=""
}

cluster_no() { CLUSTER_WHY=$*; return 77; }

cluster_start() {
    local W=$1 c M H P st up
    [ "$(id -u)" -eq 0 ] || { cluster_no "needs root (munged runs as the munge user, slurmd as root)"; return; }
    export PATH=$PATH:/usr/sbin
    for c in munged slurmctld slurmd sbatch squeue scancel sinfo runuser; do
        command -v "$c" >/dev/null 2>&1 || { cluster_no "$c not found (apt-get install slurm-wlm munge)"; return; }
    done
    id munge >/dev/null 2>&1 || { cluster_no "no munge user (apt-get install munge)"; return; }
    mkdir -p "$W/state" "$W/spool" "$W/log" || { cluster_no "cannot create $W"; return; }
    # munged's files under /run/munge (as the Debian unit makes it): munged
    # wants every directory above its socket open to all, which a test's
    # mkdtemp directory (0700) is not.  Its own key: /etc/munge/munge.key is
    # left alone.
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge ||
        { cluster_no "cannot create /run/munge"; return; }
    M=$(mktemp -d /run/munge/fallacy-test-XXXXXX) || { cluster_no "cannot create a directory in /run/munge"; return; }
    CLUSTER_MUNGE=$M
    chown munge:munge "$M" && chmod 755 "$M"
    dd if=/dev/urandom of="$M/munge.key" bs=1024 count=1 status=none
    chown munge:munge "$M/munge.key" && chmod 400 "$M/munge.key"
    runuser -u munge -- munged --socket="$M/munge.sock" --key-file="$M/munge.key" \
        --pid-file="$M/munged.pid" --log-file="$M/munged.log" --seed-file="$M/munged.seed" ||
        { cluster_no "munged did not start: $(tail -n 2 "$M/munged.log" 2>/dev/null)"; return; }
    CLUSTER_PIDS+=("$(cat "$M/munged.pid")")
    H=$(hostname -s)
    # a free port pair (another test cluster may be up on this machine)
    for _ in $(seq 20); do
        P=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$P") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$((P + 1))") 2>/dev/null || break
    done
    cat >"$W/slurm.conf" <<EOF2
ClusterName=fallacytest
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=$P
SlurmdPort=$((P + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$M/munge.sock
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool/slurmd-%n
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=300
NodeName=$H NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF2
    export SLURM_CONF="$W/slurm.conf"
    slurmctld -i -f "$SLURM_CONF" ||
        { cluster_no "slurmctld did not start: $(tail -n 3 "$W/log/slurmctld.log" 2>/dev/null)"; return; }
    for _ in $(seq 50); do [ -s "$W/slurmctld.pid" ] && break; sleep 0.1; done
    CLUSTER_PIDS+=("$(cat "$W/slurmctld.pid")")
    slurmd -f "$SLURM_CONF" || { cluster_no "slurmd did not start: $(tail -n 3 "$W/log/slurmd.log" 2>/dev/null)"; return; }
    for _ in $(seq 50); do [ -s "$W/slurmd.pid" ] && break; sleep 0.1; done
    CLUSTER_PIDS+=("$(cat "$W/slurmd.pid")")
    up=""
    for _ in $(seq 100); do
        st=$(sinfo -h -o %t 2>/dev/null)
        case "$st" in idle* | mix* | alloc*) up=1; break ;; esac
        sleep 0.2
    done
    [ -n "$up" ] || { cluster_no "the node did not come up (sinfo: '$st'): $(tail -n 3 "$W/log/slurmctld.log")"; return; }
    CLUSTER_HOST=$H
    CLUSTER_PORT=$P
    return 0
}
