//! The login shell every configured command line runs in (the tick AI, the
//! worker's `interactive`, `notify`): `bash -lc`, so the user's login
//! profile sets up what their agent CLI needs (API keys, nvm, ...), and then
//! looop's own PATH back in force before the command runs.
//!
//! Why: Debian's `/etc/profile` (and many `~/.profile`s) assign PATH
//! outright, so under `bash -l` a CLI that looop's PATH finds (an npm
//! prefix, `~/.local/bin`, the PATH a cron line carries) would be "command
//! not found". Skipping the login shell instead would lose the rest of what
//! the profile sets up. So looop passes its PATH in `LOOOP_PATH` and the
//! command line starts by exporting it: a program looop's PATH finds is
//! found by its children, under cron too. A command that is still not found
//! says which PATH was searched.

use std::ffi::OsString;

/// The variable carrying looop's PATH into the login shell.
pub const PATH_VAR: &str = "LOOOP_PATH";

/// What runs before the command, after the login profile: looop's PATH
/// (when looop had one) and a not-found message naming the PATH searched.
const PRELUDE: &str = r#"if [ -n "${LOOOP_PATH+set}" ]; then PATH=$LOOOP_PATH; export PATH; fi
command_not_found_handle() { printf 'looop: %s: command not found (exit 127); PATH searched: %s\n' "$1" "$PATH" >&2; return 127; }
"#;

/// The arguments for `bash` that run `command` in a login shell with
/// looop's PATH restored first.
pub fn bash_args(command: &str) -> [String; 2] {
    ["-lc".to_string(), format!("{PRELUDE}{command}")]
}

/// `LOOOP_PATH` for the child: this process's PATH, or `None` when it has
/// none (the login profile's PATH then stands).
pub fn path_value() -> Option<OsString> {
    std::env::var_os("PATH")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn run(home: &std::path::Path, path: Option<&str>, command: &str) -> std::process::Output {
        let mut cmd = Command::new("bash");
        cmd.args(bash_args(command))
            .env("HOME", home)
            .env("PATH", "/usr/bin:/bin")
            .env_remove(PATH_VAR);
        if let Some(p) = path {
            cmd.env(PATH_VAR, p);
        }
        cmd.output().unwrap()
    }

    #[test]
    fn looop_path_wins_over_a_profile_that_resets_it() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join(".bash_profile"),
            "PATH=/usr/bin:/bin; export PATH\nexport FROM_PROFILE=yes\n",
        )
        .unwrap();
        let out = run(
            home.path(),
            Some("/opt/mine:/usr/bin:/bin"),
            "echo \"$PATH $FROM_PROFILE\"",
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "/opt/mine:/usr/bin:/bin yes\n"
        );
        let out = run(home.path(), None, "echo \"$PATH\"");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "/usr/bin:/bin\n");
    }

    #[test]
    fn not_found_names_the_path_searched() {
        let home = tempfile::tempdir().unwrap();
        let out = run(
            home.path(),
            Some("/nowhere:/usr/bin:/bin"),
            "no-such-cli-x --v",
        );
        assert_eq!(out.status.code(), Some(127));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no-such-cli-x: command not found")
                && err.contains("PATH searched: /nowhere:/usr/bin:/bin"),
            "{err}"
        );
    }
}
