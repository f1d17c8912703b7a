#!/usr/bin/env bash
# Proves a sharded book through a real batch engine: starts a single-node Slurm cluster on this
# machine (Debian's slurm-wlm and munge), submits the shards as a job array (each task proves
# PER_TASK consecutive shards with one key generation), aggregates the shard proofs into a proof
# set and verifies it.
#
#   scripts/slurm-shards.sh [POSITIONS [PER_TASK [SAMPLE]]]   (default 3000 2: 3 shards in 2 tasks;
#   PER_TASK even: shards are proven two to a proof)
#
# With SAMPLE, only the first SAMPLE array tasks run, and the script prints their times and the
# whole job's projected time instead of aggregating: a measured sample of a book too large to
# prove on this one machine in one sitting (1,000,000 positions is 977 shards).
#
# SOLVENCY_BIN=DIR runs binaries already built there instead of building the work tree, so a
# run of hours is not disturbed by rebuilds. Needs root (it installs packages and starts
# daemons). Everything it starts is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
positions=${1:-3000}
per_task=${2:-2}
sample=${3:-}
work=$(mktemp -d /tmp/solvency-slurm.XXXXXX)
state=$work/slurm
mkdir -p "$state/ctld" "$state/slurmd"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null
fi
if [[ -z ${SOLVENCY_BIN:-} ]]; then
  cargo build --release -q -p solvency-prover -p solvency-verifier -p solvency-benches --bins
fi
bin=${SOLVENCY_BIN:-$PWD/target/release}

# munge: a key and a daemon for Slurm's authentication.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[[ -s /etc/munge/munge.key ]] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chmod 400 /etc/munge/munge.key
munged --force --socket=/run/munge/munge.socket.2

host=$(hostname -s)
export SLURM_CONF=$state/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=solvency
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$(( $(free -m | awk '/Mem/ {print $2}') - 1024 )) State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
stop() {
  scancel --quiet --user=root 2>/dev/null || true
  [[ -f $state/slurmd.pid ]] && kill "$(cat "$state/slurmd.pid")" 2>/dev/null || true
  [[ -f $state/slurmctld.pid ]] && kill "$(cat "$state/slurmctld.pid")" 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
}
trap stop EXIT
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -qE "idle|mixed" && break
  sleep 1
done
sinfo

# The job: a snapshot, one seed for every machine, PER_TASK shards per array task.
"$bin/synthetic-snapshot" "$positions" > "$work/snapshot.json"
# The seed lives in a file only its owner can read, never on a command line (ps, sacct).
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/seed")
shards=$("$bin/solvency-prover" plan --snapshot "$work/snapshot.json")
tasks=$(( (shards + per_task - 1) / per_task ))
[[ -n $sample && $sample -gt $tasks ]] && sample=$tasks
echo "$positions positions -> $shards shards in $tasks tasks"
start=$(date +%s)
sbatch --wait --array=0-$((${sample:-$tasks} - 1)) --cpus-per-task="$(nproc)" --mem=4G \
  --output="$work/shard-%a.log" --job-name=solvency-shard \
  --wrap "/usr/bin/time -v $bin/solvency-prover shard --snapshot $work/snapshot.json --seed-file $work/seed --index \$((SLURM_ARRAY_TASK_ID * $per_task)) --count $per_task --out $work/shards --params-dir $work/params"
shards_done=$(date +%s)
if [[ -n $sample ]]; then
  took=$((shards_done - start))
  echo "sample: $sample of $tasks tasks ($((sample * per_task)) of $shards shards) in $took s;" \
    "all $tasks tasks on this one 2-core node: about $((took * tasks / sample)) s"
  grep -h "Elapsed\|Maximum resident" "$work"/shard-*.log
  exit 0
fi
"$bin/solvency-prover" aggregate --snapshot "$work/snapshot.json" --seed-file "$work/seed" \
  --shards "$work/shards" --out "$work/out" --params-dir "$work/params"
done_at=$(date +%s)
"$bin/solvency-verifier" verify "$work/out/proof.json" --params-dir "$work/params"
echo "shards through Slurm: $((shards_done - start)) s; aggregate: $((done_at - shards_done)) s; files in $work"
grep -h "Maximum resident" "$work"/shard-*.log | sort -k6 -n | tail -1 | sed 's/^/largest shard task: /'
