//! Starting a child: always as the leader of its own process group (so a
//! timeout or a signal can end the whole tree it starts), with its working
//! directory and extra environment set on the `Command` itself, never on
//! looop's own process.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};

/// Spawn `cmd` (program, arguments and stdio already set by the caller) in
/// a new process group whose id is the child's pid, in `cwd` when given,
/// with `env` added to what looop inherited.
pub fn spawn(
    cmd: &mut Command,
    cwd: Option<&Path>,
    env: &[(String, OsString)],
) -> std::io::Result<Child> {
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .process_group(0)
        .spawn()
}
