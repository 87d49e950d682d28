//! A deliberately small argument parser (no clap): each command pulls the
//! flags it knows, then its positionals, then calls [`Args::finish`], which
//! turns anything left over into a status-2 error with a hint.
//!
//! Flags may appear anywhere; `--name=value` and `--name value` both work;
//! `--` ends flags so a positional may start with `-`. A lone `-` is a
//! positional (it means "stdin" where a command accepts it), and so is a
//! negative number (`looop send w1 -1`): no flag starts with a digit.

use crate::exit;
use anyhow::Result;
use std::collections::VecDeque;

/// The arguments after the command name.
#[derive(Debug)]
pub struct Args {
    command: String,
    /// Tokens not yet consumed, with whether they came after `--`.
    items: VecDeque<(String, bool)>,
    /// The flags the command table declares for this command: the source
    /// of the "did you mean" hint. `None` for an `Args` made outside
    /// dispatch (unit tests), which takes any flag and hints none.
    known: Option<&'static [&'static str]>,
}

impl Args {
    pub fn new(command: &str, raw: Vec<String>) -> Args {
        let mut after_dashes = false;
        let mut items = VecDeque::new();
        for token in raw {
            if !after_dashes && token == "--" {
                after_dashes = true;
                continue;
            }
            items.push_back((token, after_dashes));
        }
        Args {
            command: command.to_string(),
            items,
            known: None,
        }
    }

    /// The arguments of a command the table declares `flags` for.
    pub fn with_flags(mut self, flags: &'static [&'static str]) -> Args {
        self.known = Some(flags);
        self
    }

    /// The name the command was called by (an alias stays an alias).
    pub fn command(&self) -> &str {
        &self.command
    }

    /// A parser may only look for flags its table row declares, so that
    /// help and completions offer exactly what is accepted.
    fn declared(&self, name: &str) {
        debug_assert!(
            self.known.is_none_or(|k| k.contains(&name)),
            "looop {}: flag {name} is not in the command table",
            self.command
        );
    }

    fn is_flag(token: &str, literal: bool) -> bool {
        !literal
            && token.len() > 1
            && token.starts_with('-')
            && !token[1..].starts_with(|c: char| c.is_ascii_digit())
    }

    /// The usage error for a flag no command took.
    fn unknown_flag(&self, token: &str) -> anyhow::Error {
        // A control character would break the one-line error: quote then.
        let shown = if token.chars().any(char::is_control) {
            format!("{token:?}")
        } else {
            token.to_string()
        };
        let name = token.split_once('=').map_or(token, |(n, _)| n);
        let hint = match super::spell::nearest(name, self.known.unwrap_or(&[]).iter().copied()) {
            Some(near) => format!("did you mean {near}?"),
            None => "text that starts with - goes after --".to_string(),
        };
        self.usage_error(&format!("unknown flag {shown}; {hint}"))
    }

    /// Whether a boolean flag (`--json`, `-n`) is present; consumes it.
    pub fn flag(&mut self, names: &[&str]) -> bool {
        names.iter().for_each(|n| self.declared(n));
        let before = self.items.len();
        self.items
            .retain(|(t, lit)| *lit || !names.contains(&t.as_str()));
        self.items.len() != before
    }

    /// The value of `--name V` / `--name=V`; consumes it. The last one wins.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        self.declared(name);
        let mut found = None;
        let mut i = 0;
        while i < self.items.len() {
            let (token, literal) = &self.items[i];
            if *literal {
                i += 1;
                continue;
            }
            if token == name {
                let Some((value, _)) = self.items.get(i + 1).cloned() else {
                    return Err(self.usage_error(&format!("{name} needs a value")));
                };
                self.items.drain(i..i + 2);
                found = Some(value);
                continue;
            }
            if let Some(value) = token.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                found = Some(value.to_string());
                self.items.remove(i);
                continue;
            }
            i += 1;
        }
        Ok(found)
    }

    /// A numeric flag value, e.g. `--grace 5`.
    pub fn number<T: std::str::FromStr>(&mut self, name: &str) -> Result<Option<T>> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| self.usage_error(&format!("{name} wants a number, not {v:?}"))),
        }
    }

    /// `--name DURATION` in seconds: `30s`, `5m`, `1h` or plain seconds.
    pub fn duration(&mut self, name: &str) -> Result<Option<u64>> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => parse_duration(&v).map(Some).ok_or_else(|| {
                self.usage_error(&format!(
                    "{name} wants a duration such as 30s, 5m, 1h or a number of seconds, not {v:?}"
                ))
            }),
        }
    }

    /// The next positional argument, if any. Call after taking the flags.
    pub fn next(&mut self) -> Option<String> {
        let idx = self
            .items
            .iter()
            .position(|(t, lit)| !Self::is_flag(t, *lit))?;
        self.items.remove(idx).map(|(t, _)| t)
    }

    /// The next positional argument, or a status-2 error naming `what`.
    pub fn required(&mut self, what: &str) -> Result<String> {
        // Flags are taken first, so one still standing before the positional
        // is unknown: say so, rather than blame the next word as `what`.
        if let Some((t, _)) = self.items.front().filter(|(t, lit)| Self::is_flag(t, *lit)) {
            return Err(self.unknown_flag(t));
        }
        self.next()
            .ok_or_else(|| self.usage_error(&format!("missing <{what}>")))
    }

    /// All remaining positionals joined by spaces (e.g. a flag note).
    pub fn rest_joined(&mut self) -> Option<String> {
        let mut parts = Vec::new();
        while let Some(p) = self.next() {
            parts.push(p);
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// Refuse leftovers: an unknown flag or an extra argument is status 2.
    pub fn finish(self) -> Result<()> {
        match self.items.front() {
            None => Ok(()),
            Some((t, lit)) if Self::is_flag(t, *lit) => Err(self.unknown_flag(t)),
            Some((t, _)) => Err(self.usage_error(&format!("unexpected argument {t:?}"))),
        }
    }

    /// A status-2 error with the hint every usage error carries.
    pub fn usage_error(&self, what: &str) -> anyhow::Error {
        exit::usage(format!(
            "{} {what} (see 'looop {} --help')",
            self.command, self.command
        ))
    }
}

/// Seconds from `30s`, `5m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        Args::new("x", v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn durations_take_units_or_seconds() {
        assert_eq!(parse_duration("30s"), Some(30));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("90"), Some(90));
        for bad in ["", "m", "5 m", "-5", "5d", "1.5h", "soon"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn flags_anywhere_then_positionals() {
        let mut a = args(&["w1", "--json", "--tail", "5", "more"]);
        assert!(a.flag(&["--json"]));
        assert_eq!(a.number::<usize>("--tail").unwrap(), Some(5));
        assert_eq!(a.required("id").unwrap(), "w1");
        assert_eq!(a.next().as_deref(), Some("more"));
        a.finish().unwrap();
    }

    #[test]
    fn equals_form_and_dashdash() {
        let mut a = args(&["--grace=2", "id", "--", "-n", "--json"]);
        assert_eq!(a.number::<u64>("--grace").unwrap(), Some(2));
        assert!(!a.flag(&["-n"]), "after -- it is text");
        assert_eq!(a.rest_joined().as_deref(), Some("id -n --json"));
        a.finish().unwrap();
    }

    #[test]
    fn leftovers_are_usage_errors() {
        let a = args(&["--bogus"]);
        let e = a.finish().unwrap_err();
        assert!(format!("{e}").contains("unknown flag --bogus"));
        let mut a = args(&["a", "b"]);
        a.required("id").unwrap();
        assert!(a.finish().is_err());
    }

    #[test]
    fn an_unknown_flag_before_a_positional_is_named() {
        let mut a = args(&["-x", "id"]);
        let e = a.required("id").unwrap_err();
        assert!(format!("{e}").contains("unknown flag -x"), "{e}");
    }

    #[test]
    fn negative_numbers_are_positionals() {
        let mut a = args(&["w1", "-1", "-n"]);
        assert!(a.flag(&["-n"]));
        assert_eq!(a.required("id").unwrap(), "w1");
        assert_eq!(a.rest_joined().as_deref(), Some("-1"));
        a.finish().unwrap();
        let e = args(&["-y"]).finish().unwrap_err();
        assert!(format!("{e}").contains("goes after --"), "{e}");
    }

    #[test]
    fn an_unknown_flag_is_hinted_from_the_declared_ones() {
        let a = args(&["--jsn"]).with_flags(&["--json", "--all"]);
        let e = format!("{}", a.finish().unwrap_err());
        assert!(
            e.contains("unknown flag --jsn; did you mean --json?"),
            "{e}"
        );
        let a = args(&["--tial=3"]).with_flags(&["--tail"]);
        let e = format!("{}", a.finish().unwrap_err());
        assert!(e.contains("did you mean --tail?"), "{e}");
        let a = args(&["--zzzzzz"]).with_flags(&["--json"]);
        let e = format!("{}", a.finish().unwrap_err());
        assert!(e.contains("goes after --"), "{e}");
    }

    #[test]
    fn lone_dash_is_positional() {
        let mut a = args(&["id", "-"]);
        assert_eq!(a.required("id").unwrap(), "id");
        assert_eq!(a.required("prompt").unwrap(), "-");
    }

    #[test]
    fn missing_value_and_bad_number() {
        assert!(args(&["--tail"]).value("--tail").is_err());
        assert!(args(&["--tail", "x"]).number::<usize>("--tail").is_err());
    }
}
