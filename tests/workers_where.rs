//! Where a worker works and how it ends (contract §8): the `ls --json`
//! fields, `--cwd`, `--worktree`, `--goal`, the `done` state, and the
//! worker's environment.

mod support;

use support::*;

#[test]
fn ls_json_has_the_section_8_fields() {
    let p = Profile::shells("");
    p.start_bash("fields");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&p.ok(&["ls", "--json"], 0)).unwrap();
    let row = rows.iter().find(|r| r["id"] == "fields").expect("row");
    for key in [
        "cwd",
        "goal",
        "agent",
        "agent_session",
        "activity",
        "activity_since",
        "cost_usd",
        "resumable",
    ] {
        assert!(row.get(key).is_some(), "no {key:?} in {row}");
    }
    assert_eq!(row["cwd"], p.data.display().to_string(), "{row}");
    assert!(row["goal"].is_null(), "{row}");
    p.ok(&["kill", "fields"], 0);
}
