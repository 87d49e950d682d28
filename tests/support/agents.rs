//! Stand-in agent CLIs for the resume and usage-limit tests: scripts named
//! `claude`, `codex`, `pi` and `opencode` in `<tmp>/bin` (first on looop's
//! PATH, which workers keep). Each records every start of a worker in
//! `<tmp>/seen/<session>.starts` (one line per start, its argv joined by
//! tabs) and every line typed into it in `<session>.input`, then stays
//! alive. `codex` also writes a rollout whose `session_meta` names its own
//! session id, as the real one does (looop learns codex's id from it).
//!
//! Driven by files in `<tmp>/seen`: while `limit` exists, a fresh start
//! (not a resume) prints its text and waits at it for a typed line (with
//! `limit-soon`, a fresh start first waits for `limit`); a worker waiting
//! there ends (SIGTERM) once `<session>.end` appears.

use super::profile::Profile;
use super::wait::{DEADLINE_SECS, wait_for};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const SCRIPT: &str = r#"#!/bin/bash
seen='@SEEN@'
s="${LOOOP_SESSION_ID:-none}"
name="$(basename "$0")"
line="$name"
resuming=
prev=
for a in "$@"; do
  line="$line"$'\t'"$a"
  case "$a" in --resume|resume) resuming=1 ;; esac
  # pi's --session names its file: a resume once the file holds a session.
  if [ "$prev" = --session ] && [ -s "$a" ]; then resuming=1; fi
  if [ "$prev" = --session ] && [ -z "$resuming" ]; then echo '{"type":"session"}' > "$a"; fi
  prev="$a"
done
if [ "$name" = codex ] && [ -z "$resuming" ]; then
  id="$(cat /proc/sys/kernel/random/uuid)"
  dir="${CODEX_HOME:-$HOME/.codex}/sessions/$(date +%Y/%m/%d)"
  mkdir -p "$dir"
  ts="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
  printf '{"timestamp":"%s","type":"session_meta","payload":{"id":"%s","timestamp":"%s","cwd":"%s","thread_source":"user"}}\n' \
    "$ts" "$id" "$ts" "$(pwd -P)" > "$dir/rollout-$(date +%Y-%m-%dT%H-%M-%S)-$id.jsonl"
fi
printf '%s\n' "$line" >> "$seen/$s.starts"
if [ -z "$resuming" ] && [ -e "$seen/limit-soon" ]; then
  while [ ! -e "$seen/limit" ]; do sleep 0.1; done
fi
if [ -z "$resuming" ] && [ -e "$seen/limit" ]; then
  cat "$seen/limit"
  # A blocking read: bash reads a tty byte by byte, and a read timeout
  # under load could cut a typed line in two.
  me=$$
  ( while [ ! -e "$seen/$s.end" ]; do sleep 0.1; done; kill -TERM "$me" ) &
  watcher=$!
  IFS= read -r typed
  kill "$watcher"
  printf '%s\n' "$typed" >> "$seen/$s.input"
  printf '\033[2J\033[Hgoing on\n'
else
  echo "working"
fi
exec sleep 300
"#;

/// The stand-ins, installed in `<tmp>/bin`; their records in `seen`.
pub struct StandIns {
    pub seen: PathBuf,
}

impl StandIns {
    /// Install every stand-in for `p`.
    pub fn install(p: &Profile) -> StandIns {
        let bin = p.tmp.path().join("bin");
        let seen = p.tmp.path().join("seen");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&seen).unwrap();
        let script = SCRIPT.replace("@SEEN@", &seen.display().to_string());
        for name in ["claude", "codex", "pi", "opencode"] {
            let path = bin.join(name);
            std::fs::write(&path, &script).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        StandIns { seen }
    }

    /// Every start of worker `id` so far, each as its argv (program first).
    pub fn starts(&self, id: &str) -> Vec<Vec<String>> {
        let path = self.seen.join(format!("looop-{id}.starts"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }

    /// Waits until worker `id` has been started `n` times; returns the last
    /// start's argv.
    pub fn wait_starts(&self, id: &str, n: usize) -> Vec<String> {
        wait_for(DEADLINE_SECS, &format!("start {n} of {id}"), || {
            self.starts(id).len() >= n
        });
        self.starts(id).pop().unwrap()
    }

    /// The lines typed into worker `id`.
    pub fn input(&self, id: &str) -> Vec<String> {
        let path = self.seen.join(format!("looop-{id}.input"));
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Fresh starts from now on print `text` and wait at it.
    pub fn hit_limit(&self, text: &str) {
        std::fs::write(self.seen.join("limit"), text).unwrap();
    }

    /// Fresh starts from now on wait for [`StandIns::hit_limit`].
    pub fn limit_soon(&self) {
        std::fs::write(self.seen.join("limit-soon"), "").unwrap();
    }

    /// Worker `id`, waiting at its limit, exits.
    pub fn end(&self, id: &str) {
        std::fs::write(self.seen.join(format!("looop-{id}.end")), "").unwrap();
    }
}

/// The argument after `flag` in `argv`.
pub fn after<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    let at = argv.iter().position(|a| a == flag)?;
    argv.get(at + 1).map(String::as_str)
}
