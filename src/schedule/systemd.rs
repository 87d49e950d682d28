//! The systemd user units: a oneshot service that runs one beat and a timer
//! that starts it every interval, printed together with a header naming each
//! file and the commands that enable them.

use super::job::Job;

/// The units' common name, `looop-tick-<key>`.
pub fn unit_name(job: &Job) -> String {
    unit_name_for(&job.key)
}

/// The units' name for the profile key `key`.
pub fn unit_name_for(key: &str) -> String {
    format!("looop-tick-{key}")
}

/// Both units, each under a `# file:` header, then how to enable them.
pub fn units(job: &Job) -> String {
    let name = unit_name(job);
    let dir = "~/.config/systemd/user";
    format!(
        "\
# file: {dir}/{name}.service
{service}
# file: {dir}/{name}.timer
{timer}
# Save the two parts above as those files, then:
#   systemctl --user daemon-reload
#   systemctl --user enable --now {name}.timer
# (`looop schedule systemd --install` does all three.)
# To keep beating while you are logged out: loginctl enable-linger \"$USER\"
",
        service = service(job),
        timer = timer(job),
    )
}

/// The oneshot service that runs one beat.
pub fn service(job: &Job) -> String {
    format!(
        "\
[Unit]
Description=looop beat for {data_text}

[Service]
Type=oneshot
Environment={path}
Environment={data}
Environment={config}
ExecStart={exe} tick
StandardOutput=append:{log}
StandardError=append:{log}
# Workers started by a beat outlive it: stop only the beat itself.
KillMode=process
",
        data_text = escape_specifiers(&job.data),
        path = quoted(&format!("PATH={}", job.path)),
        data = quoted(&format!("LOOOP_DATA_DIR={}", job.data)),
        config = quoted(&format!("LOOOP_CONFIG={}", job.config)),
        exe = quoted(&job.exe).replace('$', "$$"),
        log = escape_specifiers(&job.log),
    )
}

/// The timer that starts the service every interval.
pub fn timer(job: &Job) -> String {
    format!(
        "\
[Unit]
Description=looop beat every {every} s for {data_text}

[Timer]
OnBootSec={every}
OnUnitActiveSec={every}
AccuracySec=1s

[Install]
WantedBy=timers.target
",
        data_text = escape_specifiers(&job.data),
        every = job.every_secs,
    )
}

/// `%` starts a specifier in (almost) every unit file value.
fn escape_specifiers(v: &str) -> String {
    v.replace('%', "%%")
}

/// One word as systemd's unit parser reads it: bare when it has nothing the
/// parser treats specially, else double-quoted with `\\` and `"` escaped.
fn quoted(v: &str) -> String {
    let plain = !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if plain {
        return escape_specifiers(v);
    }
    let inner = escape_specifiers(&v.replace('\\', r"\\").replace('"', "\\\""));
    format!("\"{inner}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_systemd() {
        assert_eq!(quoted(r#"a "b" \c 100%"#), r#""a \"b\" \\c 100%%""#);
        assert_eq!(quoted("/usr/bin/looop"), "/usr/bin/looop");
        assert_eq!(quoted("/a/50%"), "/a/50%%");
        let job = Job {
            exe: "/opt/$x/looop".into(),
            data: "/d 1".into(),
            config: "/c".into(),
            path: "/bin".into(),
            log: "/d 1/tick.log".into(),
            key: "00ff".into(),
            every_secs: 300,
            tmux: Vec::new(),
        };
        let u = units(&job);
        assert!(u.contains("ExecStart=/opt/$$x/looop tick\n"), "{u}");
        assert!(u.contains("Environment=\"LOOOP_DATA_DIR=/d 1\"\n"), "{u}");
        assert!(u.contains("OnUnitActiveSec=300\n"), "{u}");
        assert!(
            u.contains("# file: ~/.config/systemd/user/looop-tick-00ff.timer"),
            "{u}"
        );
    }
}
