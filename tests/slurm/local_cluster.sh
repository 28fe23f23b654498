#!/usr/bin/env bash
# Implements: a throw-away Slurm cluster on localhost, for tests.
#   local_cluster.sh start DIR [K]  installs Debian's Slurm if needed (service
#                                start-up masked), writes DIR/slurm.conf,
#                                starts slurmctld and slurmd; prints the
#                                SLURM_CONF to export. K > 1: K node names
#                                n1..nK on this machine, one slurmd each
#                                (its own port, spool, pid, log and TmpFS,
#                                named by %n), each with all the CPUs
#   local_cluster.sh stop DIR    stops only the daemons it started (their pid files)
#   Facts this relies on (Debian 12, Slurm 22.05, Open MPI 4.1): srun needs
#   --mpi=pmix (libpmix-dev provides the unversioned libpmix); proctrack/
#   linuxproc and task/none work without cgroups; auth/none works in 22.05;
#   a requeued job waits cred_expire seconds (10 here, default 120); the
#   pmix socket path must stay under 108 bytes, so DIR must be short; two
#   slurmds on one host need their own TmpFS, where pmix makes its
#   per-step directory (else the second step's launch fails, 'File exists').
set -euo pipefail
cmd=$1
dir=$2
nodes=${3:-1}
case "$cmd" in
start)
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! dpkg -s libpmix-dev >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null  # mask service start-up
    $sudo chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q slurmctld slurmd slurm-client libpmix-dev >/dev/null \
      || { $sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
           slurmctld slurmd slurm-client libpmix-dev >/dev/null; }
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
  mkdir -p "$dir/state" "$dir/spool"
  port=$(( 20000 + RANDOM % 20000 ))
  cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)  # nproc alone follows OMP_NUM_THREADS
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  cat >"$dir/slurm.conf" <<CONF
ClusterName=mnemotest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
AuthInfo=cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
JobRequeue=1
MinJobAge=600
KillWait=5
InactiveLimit=0
MpiDefault=none
CONF
  names=(localhost)
  if [ "$nodes" -gt 1 ]; then
    names=()
    for k in $(seq 1 "$nodes"); do
      names+=("n$k")
      mkdir -p "$dir/spool-n$k" "$dir/tmp-n$k"
      echo "NodeName=n$k NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((port + 1 + k)) CPUs=$cpus" \
        "RealMemory=$((mem / nodes)) State=UNKNOWN" >>"$dir/slurm.conf"
    done
    sed -i -e "s|^SlurmdSpoolDir=.*|SlurmdSpoolDir=$dir/spool-%n|" -e "s|^SlurmdPidFile=.*|SlurmdPidFile=$dir/slurmd-%n.pid|" \
      -e "s|^SlurmdLogFile=.*|SlurmdLogFile=$dir/slurmd-%n.log|" "$dir/slurm.conf"
    echo "TmpFS=$dir/tmp-%n" >>"$dir/slurm.conf"
  else
    echo "NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN" >>"$dir/slurm.conf"
  fi
  list=$(IFS=,; echo "${names[*]}")
  echo "PartitionName=debug Nodes=$list Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO" >>"$dir/slurm.conf"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  for name in "${names[@]}"; do slurmd -f "$SLURM_CONF" -N "$name"; done
  for _ in $(seq 1 100); do
    [ "$(sinfo -h -o '%T %D' 2>/dev/null | awk '$1 == "idle" {print $2}')" = "$nodes" ] && break
    sleep 0.2
  done
  [ "$(sinfo -h -o '%T %D' | awk '$1 == "idle" {print $2}')" = "$nodes" ] ||
    { echo "local_cluster: the $nodes node(s) did not come up" >&2; tail -20 "$dir"/*.log >&2; exit 1; }
  echo "$SLURM_CONF"
  ;;
stop)
  for f in "$dir"/slurmd*.pid "$dir/slurmctld.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  ;;
*) echo "usage: local_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
