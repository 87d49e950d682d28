//! codex's rollout file: finding a worker's and reading its token totals
//! (CONTRACT §10; tests/fixtures/README.md "codex rollout").
//!
//! codex chooses its own session id (a UUIDv7) and writes
//! `${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`
//! only once the first prompt is sent. Its first line is `session_meta`
//! with the id and the cwd. A worker's rollout is the earliest one whose
//! `session_meta` names the worker's cwd, started after the worker, and is
//! not already another worker's. The date directories are local time.
//!
//! `event_msg` `token_count` lines carry `info.total_token_usage`, the
//! thread's running total (`codex exec resume` keeps adding to it), so each
//! is a [`Line::Cumulative`]. `cached_input_tokens` (and the newer
//! `cache_write_input_tokens`) are part of `input_tokens`: they are taken
//! out of it and priced as cache reads (writes); `reasoning_output_tokens`
//! are part of `output_tokens` and not counted again. The model is the
//! latest `turn_context`'s.

use super::usage::Usage;
use crate::agents::spec::{Found, Line, Memory, Whereabouts};
use chrono::{DateTime, Duration, Local, NaiveDate};
use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// How many days after the worker's start its first prompt may come.
const MAX_DAYS: i64 = 31;

/// The longest first line read (codex puts its whole system prompt there).
const MAX_META_BYTES: u64 = 4 * 1024 * 1024;

/// The worker's rollout, once codex wrote one.
pub fn locate(at: &Whereabouts) -> Option<Found> {
    locate_in(&codex_home()?.join("sessions"), at)
}

/// [`locate`] under the `sessions` directory `root`.
fn locate_in(root: &Path, at: &Whereabouts) -> Option<Found> {
    let start = DateTime::from_timestamp(at.started_at, 0)?.with_timezone(&Local);
    let today = Local::now().date_naive();
    let mut cwds = vec![at.cwd.to_string_lossy().into_owned()];
    if let Ok(real) = at.cwd.canonicalize() {
        cwds.push(real.to_string_lossy().into_owned());
    }
    // The day the worker started in local time, minus one for clocks and
    // zones that disagree, up to today.
    let mut day = start.date_naive() - Duration::days(1);
    let mut best: Option<(i64, Found)> = None;
    for _ in 0..=MAX_DAYS {
        if day > today {
            break;
        }
        for path in rollouts(root, day) {
            let Some(meta) = first_meta(&path) else {
                continue;
            };
            let Some(started) = DateTime::parse_from_rfc3339(&meta.timestamp)
                .ok()
                .map(|t| t.timestamp())
            else {
                continue;
            };
            if started < at.started_at
                || !cwds.contains(&meta.cwd)
                || (at.is_taken)(&meta.id)
                || meta.thread_source.as_deref().is_some_and(|s| s != "user")
            {
                continue;
            }
            if best.as_ref().is_none_or(|(t, _)| started < *t) {
                let found = Found {
                    path,
                    agent_session: Some(meta.id),
                };
                best = Some((started, found));
            }
        }
        if best.is_some() {
            break;
        }
        day += Duration::days(1);
    }
    best.map(|(_, found)| found)
}

/// `$CODEX_HOME`, else `~/.codex`.
fn codex_home() -> Option<PathBuf> {
    match std::env::var_os("CODEX_HOME") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => Some(dirs::home_dir()?.join(".codex")),
    }
}

/// The `rollout-*.jsonl` files of one local day, oldest name first.
fn rollouts(root: &Path, day: NaiveDate) -> Vec<PathBuf> {
    let dir = root.join(day.format("%Y/%m/%d").to_string());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    files
}

#[derive(Deserialize)]
struct MetaLine {
    #[serde(rename = "type")]
    kind: String,
    payload: Meta,
}

#[derive(Deserialize)]
struct Meta {
    id: String,
    cwd: String,
    timestamp: String,
    thread_source: Option<String>,
}

/// The `session_meta` payload of a rollout's first line.
fn first_meta(path: &Path) -> Option<Meta> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut line = Vec::new();
    BufReader::new(file.take(MAX_META_BYTES))
        .read_until(b'\n', &mut line)
        .ok()?;
    let meta: MetaLine = serde_json::from_slice(line.trim_ascii()).ok()?;
    (meta.kind == "session_meta").then_some(meta.payload)
}

/// A line's `type`; its payload is read only for the two types that count.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct TurnContext {
    payload: ContextPayload,
}

#[derive(Deserialize)]
struct ContextPayload {
    model: Option<String>,
}

#[derive(Deserialize)]
struct EventMsg {
    payload: EventPayload,
}

#[derive(Deserialize)]
struct EventPayload {
    #[serde(rename = "type")]
    kind: String,
    info: Option<Info>,
}

#[derive(Deserialize)]
struct Info {
    total_token_usage: Option<Usage>,
}

/// One rollout line.
pub fn read_line(line: &[u8], memory: &mut Memory) -> Line {
    let Ok(head) = serde_json::from_slice::<Head>(line) else {
        return Line::Skipped;
    };
    match head.kind.as_str() {
        "turn_context" => match serde_json::from_slice::<TurnContext>(line) {
            Ok(context) => {
                if let Some(model) = context.payload.model {
                    memory.model = Some(model);
                }
                Line::Nothing
            }
            Err(_) => Line::Skipped,
        },
        "event_msg" => match serde_json::from_slice::<EventMsg>(line) {
            Ok(EventMsg {
                payload:
                    EventPayload {
                        kind,
                        info:
                            Some(Info {
                                total_token_usage: Some(u),
                            }),
                    },
            }) if kind == "token_count" => Line::Cumulative {
                model: memory.model.clone().unwrap_or_else(|| "unknown".into()),
                tokens: u.tokens(),
            },
            Ok(_) => Line::Nothing,
            Err(_) => Line::Skipped,
        },
        _ => Line::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::Prices;
    use crate::usage::Tokens;
    use std::collections::HashSet;

    const USAGE: &str = include_str!("../../../tests/fixtures/usage/codex-rollout.jsonl");
    const RESUMED: &str = include_str!(
        "../../../tests/fixtures/transcripts/codex-0.171.0-exec-then-exec-resume-mock-api.rollout.jsonl"
    );

    /// The last running total and its model.
    fn last(text: &str) -> (String, Tokens) {
        let mut memory = Memory::default();
        let mut out = ("none".to_string(), Tokens::default());
        for line in text.lines() {
            match read_line(line.as_bytes(), &mut memory) {
                Line::Cumulative { model, tokens } => out = (model, tokens),
                Line::Skipped => panic!("{line}"),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn the_last_running_total_counts_cached_input_as_cache_reads() {
        // tests/fixtures/usage/expected.json "codex-rollout.jsonl".
        let (model, tokens) = last(USAGE);
        assert_eq!(model, "gpt-5.1-codex");
        assert_eq!(
            tokens,
            Tokens {
                input: 10000,
                output: 1500,
                cache_read: 20000,
                cache_write: 0
            }
        );
        // 10000 × 1.25 + 20000 × 0.125 + 1500 × 10 per Mtok.
        assert_eq!(Prices::default().usd(&model, tokens), Some(0.03));
    }

    #[test]
    fn exec_resume_keeps_adding_to_the_same_total() {
        assert_eq!(
            last(RESUMED).1,
            super::super::usage::tokens(3000, 1800, 0, 150)
        );
    }

    #[test]
    fn every_real_rollout_reads_without_skips() {
        for text in [
            RESUMED,
            include_str!(
                "../../../tests/fixtures/transcripts/codex-0.171.0-tui-no-daemon-mock-api.rollout.jsonl"
            ),
            include_str!(
                "../../../tests/fixtures/transcripts/codex-0.171.0-tui-offline.rollout.jsonl"
            ),
            include_str!(
                "../../../tests/fixtures/transcripts/codex-0.171.0-tui-usage-limit-then-continue-paris.rollout.jsonl"
            ),
        ] {
            last(text);
        }
    }

    #[test]
    fn info_null_and_bad_lines() {
        let mut m = Memory::default();
        let null = br#"{"type":"event_msg","payload":{"type":"token_count","info":null}}"#;
        assert_eq!(read_line(null, &mut m), Line::Nothing);
        let bad = br#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-4}}}}"#;
        assert_eq!(read_line(bad, &mut m), Line::Skipped);
        assert_eq!(read_line(b"not json", &mut m), Line::Skipped);
    }

    /// A rollout file as codex names and fills it.
    fn rollout(root: &Path, day: &str, id: &str, cwd: &str, ts: &str) -> PathBuf {
        let dir = root.join("sessions").join(day);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("rollout-2026-12-05T21-43-41-{id}.jsonl"));
        let meta = serde_json::json!({"type":"session_meta","payload":{
            "id": id, "session_id": id, "cwd": cwd, "timestamp": ts, "thread_source": "user"}});
        std::fs::write(&path, format!("{meta}\n")).unwrap();
        path
    }

    #[test]
    fn the_workers_rollout_is_the_first_in_its_cwd_after_its_start() {
        let home = tempfile::tempdir().unwrap();
        let root = home.path();
        let now = Local::now();
        let day = now.format("%Y/%m/%d").to_string();
        let at = |secs: i64| {
            (now + Duration::seconds(secs))
                .with_timezone(&chrono::Utc)
                .to_rfc3339()
        };
        rollout(root, &day, "before", "/w", &at(-100));
        rollout(root, &day, "elsewhere", "/other", &at(5));
        let mine = rollout(root, &day, "mine", "/w", &at(10));
        rollout(root, &day, "later", "/w", &at(20));
        let taken = HashSet::new();
        let started_at = now.timestamp();
        let look = |taken: &HashSet<String>| {
            let at = Whereabouts {
                cwd: Path::new("/w"),
                agent_session: None,
                session_file: Path::new("/nowhere"),
                started_at,
                is_taken: &|id| taken.contains(id),
            };
            locate_in(&root.join("sessions"), &at)
        };
        assert_eq!(
            look(&taken),
            Some(Found {
                path: mine,
                agent_session: Some("mine".into())
            })
        );
        let taken: HashSet<String> = ["mine".to_string()].into();
        assert_eq!(
            look(&taken).unwrap().agent_session.as_deref(),
            Some("later")
        );
    }
}
