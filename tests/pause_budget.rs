//! `budget_action = "pause_workers"` (CONTRACT §11): when the budget pause
//! begins, live workers' process groups are stopped (SIGSTOP); when it
//! lifts (the budget raised above today's spend), they go on (SIGCONT).

mod support;
use support::*;

fn state_of(pid: i32) -> String {
    stat(pid).map(|s| s.state).unwrap_or_default()
}

#[test]
fn a_budget_pause_stops_live_workers_and_the_lift_continues_them() {
    let env = env_with("daily_budget_usd = 0.05\nbudget_action = \"pause_workers\"");
    env.answer(&noop("after the raise"));
    start_worker(&env, "w1", "while :; do sleep 0.05; done");
    let pid = row_json(&env, "w1").unwrap()["pid"].as_i64().unwrap() as i32;
    env.ok(&["_cost", "session", "w1", "w", "0.06"], 0);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("stopped (budget): w1"), "{out}");
    wait_for(10, "the worker stopped", || state_of(pid) == "T");
    assert!(
        group_members(pid).iter().all(|p| state_of(*p) == "T"),
        "the whole group stops"
    );
    let text = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("daily_budget_usd = 0.05", "daily_budget_usd = 1");
    env.write_config(&text);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("continued (budget): w1"), "{out}");
    wait_for(10, "the worker runs again", || {
        let s = state_of(pid);
        s == "S" || s == "R"
    });
    assert_eq!(env.calls(), 1);
}
