//! The commented config `looop init` writes.

use super::defaults::{INTERVAL_SECS, TRANSIENT};

/// The commented config `looop init` writes: every key, at its default,
/// commented out, so the file documents itself.
pub fn template(runner: &str) -> String {
    let transient = TRANSIENT
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let interval = INTERVAL_SECS;
    format!(
        r#"# looop config. Every key is optional; the commented values are the defaults.
# Reference: the "Configuration" section of looop's README.

runner = "{runner}"          # default runner for the tick AI and for workers
# interval = {interval}              # seconds between beats in `looop run` / `looop up`
# max_workers = 8            # live worker cap; start-session refuses beyond it
# daily_budget_usd = 0.0     # 0 = no cap; when today's spend reaches it, beats skip the AI
# tick_timeout = 900         # seconds a tick AI call (or a `run` move) may take
# idle_flag_secs = 0         # flag a running worker silent this long (0 = off)
# notify = "notify-send looop \"$LOOOP_NOTIFY_ID: $LOOOP_NOTIFY_MESSAGE\""
# git_commit = true          # commit PLAYBOOK/goals/sensors/journal after acting beats
# retention_hours = 24       # finished sessions older than this are pruned
# log_max_mb = 64            # a worker's output.log keeps its newest part up to this
# run_sandbox = "bwrap --ro-bind / / --dev /dev --proc /proc --bind \"$LOOOP_DATA_DIR\" \"$LOOOP_DATA_DIR\" --unshare-all --die-with-parent bash -c {{{{command}}}}"
#                            # run `run` moves inside this ({{{{command}}}}: the move's command, quoted)

# [sensors]
# timeout = 60               # seconds; a sensor past it is killed with its group
# max_bytes = 8192           # larger output becomes an error reading

# [retry]                    # transient tick AI failures
# attempts = 2
# backoff_secs = 5
# transient = [{transient}]

# Runners: a preset table only needs the keys it changes.
# [runners.claude]
# tick = "claude -p --output-format stream-json --verbose --dangerously-skip-permissions"
# interactive = "claude --settings {{{{hooks_file}}}} --session-id {{{{session_id}}}} --dangerously-skip-permissions \"Your instructions are in \"{{{{prompt_file}}}}\": read that file first and follow it.\""
# resume = "claude --settings {{{{hooks_file}}}} --resume {{{{session_id}}}} --dangerously-skip-permissions"
#
# Any command that prints text can be the tick AI; `agent` (claude, codex,
# pi, opencode, none) says which CLI it is, for session ids and metering:
# [runners.mine]
# agent = "none"
# tick = "my-local-model --prompt-file {{{{prompt_file}}}}"
# interactive = "bash {{{{prompt_file}}}}"

# Prices in USD per million tokens, over the built-in table:
# [prices."claude-sonnet-4-5"]
# input = 3.0
# output = 15.0
# cache_write = 3.75
# cache_read = 0.30
"#
    )
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn template_parses_to_defaults() {
        assert_eq!(
            Config::parse(&template("claude")).unwrap(),
            Config::default()
        );
        assert_eq!(Config::parse(&template("pi")).unwrap().runner, "pi");
        // The commented defaults are the real ones: uncommented, they parse
        // to the defaults too.
        let uncommented = template("claude")
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with("interval") || l.starts_with("transient"))
            .map(|l| l.split("  #").next().unwrap().to_string())
            .collect::<Vec<_>>();
        assert_eq!(uncommented.len(), 2, "{uncommented:?}");
        let text = format!("{}\n[retry]\n{}\n", uncommented[0], uncommented[1]);
        assert_eq!(Config::parse(&text).unwrap(), Config::default(), "{text}");
    }
}
