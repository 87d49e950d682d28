//! Tests of the config parser: every key, its defaults, and each bad input
//! named with its line. Beside `parse.rs` so that file stays about parsing.

#[test]
fn a_top_level_key_after_a_table_gets_a_hint() {
    let text = "[runners.x]\ntick = \"a\"\ninteractive = \"b {{prompt_file}}\"\n\ninterval = 5\n";
    let e = Config::parse(text).unwrap_err();
    assert!(
        e.message.contains("landed in that table") && e.message.contains("[runners.x]"),
        "{}",
        e.message
    );
    let e = Config::parse("[sensors]\nbogus = 1\n").unwrap_err();
    assert!(!e.message.contains("landed"), "{}", e.message);
}

use super::super::error::line_of;
use super::super::presets;
use super::*;

fn parse(text: &str) -> std::result::Result<Config, ConfigError> {
    Config::parse(text)
}

#[test]
fn empty_is_defaults() {
    assert_eq!(parse("").unwrap(), Config::default());
}

#[test]
fn preset_keeps_unset_keys() {
    let c = parse("[runners.claude]\ntick = \"my-claude -p\"\n").unwrap();
    let r = &c.runners["claude"];
    assert_eq!(r.tick, "my-claude -p");
    assert_eq!(r.interactive, presets()["claude"].interactive);
    assert!(c.runners.contains_key("codex"));
}

#[test]
fn own_runner_can_be_selected() {
    let c = parse(
        "runner = \"script\"\n[runners.script]\ntick = \"./decide.sh\"\ninteractive = \"bash {{prompt_file}}\"\n",
    )
    .unwrap();
    assert_eq!(c.runner, "script");
}

#[test]
fn agent_defaults_to_the_namesake_and_can_be_named() {
    let c = parse(
        "[runners.claude]\ntick = \"./fake\"\n[runners.mine]\ntick = \"a\"\ninteractive = \"b {{prompt_file}}\"\n[runners.other]\nagent = \"pi\"\ntick = \"a\"\ninteractive = \"b {{prompt_file}}\"\n",
    )
    .unwrap();
    assert_eq!(c.runners["claude"].agent, Agent::Claude);
    assert_eq!(c.runners["codex"].agent, Agent::Codex);
    assert_eq!(c.runners["mine"].agent, Agent::None);
    assert_eq!(c.runners["other"].agent, Agent::Pi);
    let e = parse("[runners.claude]\nagent = \"gpt\"\n").unwrap_err();
    assert!(
        e.message
            .contains("use claude, codex, pi, opencode or none"),
        "{}",
        e.message
    );
    assert_eq!(
        line_of("[runners.claude]\nagent = \"gpt\"\n", e.span.unwrap()),
        2
    );
}

#[test]
fn prices_extend_and_override_the_table() {
    let c = parse(
        "[prices.\"claude-sonnet-4-5\"]\ninput = 6.0\n[prices.\"local\"]\ninput = 1\noutput = 2\ncache_write = 1\ncache_read = 0.5\n",
    )
    .unwrap();
    assert_eq!(c.prices.get("claude-sonnet-4-5").unwrap().input, 6.0);
    assert_eq!(c.prices.get("local").unwrap().cache_read, 0.5);
    let e = parse("[prices.\"new\"]\ninput = 1\n").unwrap_err();
    assert!(
        e.message.contains("needs input and output"),
        "{}",
        e.message
    );
    assert!(parse("[prices.\"x\"]\ninptu = 1\n").is_err());
}

#[test]
fn own_runner_needs_both_commands() {
    let e = parse("[runners.x]\ntick = \"a\"\n").unwrap_err();
    assert!(e.message.contains("needs both"), "{}", e.message);
}

#[test]
fn unknown_key_names_line() {
    let text = "runner = \"claude\"\nintervall = 5\n";
    let e = parse(text).unwrap_err();
    assert_eq!(line_of(text, e.span.unwrap()), 2);
    assert!(e.message.contains("intervall"), "{}", e.message);
}

#[test]
fn wrong_type_names_line() {
    let text = "\n\ninterval = \"soon\"\n";
    let e = parse(text).unwrap_err();
    assert_eq!(line_of(text, e.span.unwrap()), 3);
}

#[test]
fn unknown_runner_names_line() {
    let text = "# hi\nrunner = \"gpt\"\n";
    let e = parse(text).unwrap_err();
    assert_eq!(line_of(text, e.span.unwrap()), 2);
    assert!(e.message.contains("unknown runner"));
}

#[test]
fn a_duplicate_key_is_named() {
    for (text, line, key) in [
        (
            "runner = \"pi\"\ninterval = 5\n\ninterval = 6\n",
            4,
            "interval",
        ),
        ("[sensors]\ntimeout = 5\n[sensors]\n", 3, "sensors"),
        (
            "[runners.pi]\ntick = \"a\"\n[ runners.pi ]\n",
            3,
            "runners.pi",
        ),
        ("[runners.pi]\ntick = \"a\"\ntick = \"b\"\n", 3, "tick"),
        ("a.b = 1\na.b = 2\n", 2, "a.b"),
        ("sensors = { timeout = 1, timeout = 2 }\n", 1, "timeout"),
    ] {
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), line, "{text}");
        assert_eq!(e.message, format!("duplicate key `{key}`"), "{text}");
    }
}

#[test]
fn a_value_error_names_its_key_and_line() {
    let text = "[runners.pi]\n# note\n\ninteractive = true\n";
    let e = parse(text).unwrap_err();
    assert_eq!(line_of(text, e.span.unwrap()), 4);
    assert!(
        e.message
            .starts_with("runners.pi.interactive: invalid type"),
        "{}",
        e.message
    );
    let text = "[sensors]\n\ntimout = 3\n";
    let e = parse(text).unwrap_err();
    assert_eq!(line_of(text, e.span.unwrap()), 3);
    assert!(
        e.message.starts_with("sensors: unknown field `timout`"),
        "{}",
        e.message
    );
    // Our own checks point at the key too, not at the table header.
    let text = "[runners.x]\ninteractive = \"bash {{prompt_file}}\"\n\ntick = \" \"\n";
    assert_eq!(line_of(text, parse(text).unwrap_err().span.unwrap()), 4);
    let text = "[runners.claude]\n\ninteractive = \"claude\"\n";
    assert_eq!(line_of(text, parse(text).unwrap_err().span.unwrap()), 3);
}

#[test]
fn unknown_nested_key_is_refused() {
    assert!(parse("[sensors]\ntimout = 3\n").is_err());
    assert!(parse("[runners.claude]\ntik = \"x\"\n").is_err());
}

#[test]
fn an_empty_tick_command_is_refused() {
    let e = Config::parse("[runners.x]\ntick = \" \"\ninteractive = \"bash {{prompt_file}}\"\n")
        .unwrap_err();
    assert!(
        e.message.contains("runners.x.tick is empty"),
        "{}",
        e.message
    );
}

#[test]
fn interactive_needs_prompt_file() {
    let e = parse("[runners.claude]\ninteractive = \"claude\"\n").unwrap_err();
    assert!(e.message.contains("{{prompt_file}}"));
}
