#!/bin/bash
# What a real restic prune removes and adds (pi/README.md, "The guard and the protection period").
# Hourly backups (each changes 3 of 300 files of 20-50 kB), daily forget --keep-within 7d --prune, 16 days;
# one JSON line per day: the prune step alone and the 24 h window (against the state a day before).
# Usage: bench/guard-prune.sh [results.jsonl]   (restic 0.14 on PATH; ~20 min)
set -e
D=$(mktemp -d); mkdir -p $D/src; OUT=${1:-$D/results.jsonl}
export RESTIC_REPOSITORY=$D/repo RESTIC_PASSWORD=pw RESTIC_PROGRESS_FPS=0.016
restic init -q >/dev/null
for i in $(seq 1 300); do head -c $((20000 + RANDOM)) /dev/urandom > $D/src/f$i; done
list() { (cd $RESTIC_REPOSITORY && find data snapshots index -type f -printf '%p %s\n' | sort); }
t0=$(date -u -d '2026-01-01T00:00:00Z' +%s)
list > $D/ref
for day in $(seq 1 16); do
  for h in $(seq 0 23); do
    for k in 1 2 3; do n=$(( (RANDOM % 300) + 1 )); head -c $((20000 + RANDOM)) /dev/urandom > $D/src/f$n; done
    ts=$(date -u -d "@$((t0 + (day-1)*86400 + h*3600))" '+%Y-%m-%d %H:%M:%S')
    restic backup -q --time "$ts" --host ws $D/src >/dev/null
  done
  list > $D/before
  restic forget -q --keep-within 7d --prune > $D/prune.log 2>&1 || { cat $D/prune.log; exit 1; }
  list > $D/after
  node -e '
const fs=require("fs");const rd=f=>new Map(fs.readFileSync(f,"utf8").trim().split("\n").filter(Boolean).map(l=>{const [p,s]=l.split(" ");return [p,+s]}));
const [ref,before,after]=process.argv.slice(1,4).map(rd);
function cmp(a,b,dir){let n=0,g=0,gb=0,ad=0,ab=0,tb=0;for(const[p,s]of a)if(p.startsWith(dir)){n++;tb+=s;if(!b.has(p)){g++;gb+=s}}for(const[p,s]of b)if(p.startsWith(dir)&&!a.has(p)){ad++;ab+=s}return {n,gone:g,goneB:gb,added:ad,addB:ab,totB:tb,goneShare:+(g/n).toFixed(3),goneBShare:+(gb/tb).toFixed(3),netBShare:+((gb-ab)/tb).toFixed(3)}}
console.log(JSON.stringify({day:+process.argv[4],prune:{data:cmp(before,after,"data/"),snap:cmp(before,after,"snapshots/")},window24h:{data:cmp(ref,after,"data/"),snap:cmp(ref,after,"snapshots/"),index:cmp(ref,after,"index/")}}))
' $D/ref $D/before $D/after $day >> $OUT
  cp $D/after $D/ref
done
echo "results: $OUT"
