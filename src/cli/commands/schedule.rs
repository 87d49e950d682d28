//! `looop schedule cron|launchd|systemd [--every DURATION] [--install|--remove]`:
//! print the artifact that runs `looop tick` for this profile, or (cron)
//! install or remove it.

use crate::cli::args::Args;
use crate::cli::open;
use crate::exit;
use crate::schedule::{self, Action, Edit, Job, Kind};
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let every = args.duration("--every")?;
    let install = args.flag(&["--install"]);
    let remove = args.flag(&["--remove"]);
    let kind = match args.next() {
        Some(word) => Kind::parse(&word).ok_or_else(|| {
            args.usage_error(&format!(
                "unknown scheduler {word:?}: choose cron, launchd or systemd"
            ))
        })?,
        None => return Err(args.usage_error("missing <cron|launchd|systemd>")),
    };
    args.finish()?;
    let action = match (install, remove) {
        (true, true) => {
            return Err(exit::usage(
                "schedule: --install and --remove exclude each other",
            ));
        }
        (true, false) => Action::Install,
        (false, true) => Action::Remove,
        (false, false) => Action::Print,
    };
    if action != Action::Print && kind == Kind::Launchd {
        return Err(not_for_launchd(action));
    }

    // Looking checks the data dir before anything is printed or installed:
    // a job whose data dir is a file would fail at every beat, long after
    // this command said "done".
    let (profile, config) = open::look()?;
    let (every_secs, source) = schedule::interval(&config, every)?;
    let job = Job::for_profile(&profile, std::env::var("PATH").ok(), every_secs)?
        .with_tmux(|name| std::env::var(name).ok());
    if kind == Kind::Systemd && action != Action::Print {
        if action == Action::Install {
            // `StandardOutput=append:` needs the data dir, as cron's `>>` does.
            profile.ensure_layout()?;
        }
        return systemd_units(&job, action);
    }
    if action == Action::Remove {
        // Removing needs no timing: it must work whatever the interval is.
        match schedule::remove(&profile, &job)? {
            Edit::Absent => println!(
                "no looop line for {} in your crontab; nothing to do",
                job.data
            ),
            _ => println!("removed the looop line for {} from your crontab", job.data),
        }
        return Ok(0);
    }
    let notes = |job: &Job| {
        for note in schedule::pitfalls(&profile, job, action) {
            eprintln!("looop: note: {note}");
        }
    };
    match kind {
        Kind::Cron => {
            let (line, rounded) = schedule::cron_line(&job, source)?;
            if let Some(note) = &rounded {
                eprintln!("looop: note: {note}");
            }
            notes(&job);
            if action == Action::Install {
                // The log goes into the data dir: it must exist before cron's
                // first `>>` redirection, or every beat fails silently.
                profile.ensure_layout()?;
                return install_line(&profile, &job, &line);
            }
            println!("{line}");
            eprintln!(
                "looop: add this line with `looop schedule cron --install` (or `crontab -e`); \
                 each beat appends to {}",
                job.log
            );
        }
        Kind::Launchd => {
            notes(&job);
            print!("{}", schedule::plist(&job));
            let label = schedule::label(&job);
            eprintln!(
                "looop: save it as ~/Library/LaunchAgents/{label}.plist, then run: launchctl bootstrap gui/$UID ~/Library/LaunchAgents/{label}.plist"
            );
        }
        Kind::Systemd => {
            notes(&job);
            print!("{}", schedule::units(&job));
        }
    }
    Ok(0)
}

/// `--install`/`--remove` with launchd: what to do instead.
fn not_for_launchd(action: Action) -> anyhow::Error {
    let flag = if action == Action::Install {
        "--install"
    } else {
        "--remove"
    };
    exit::usage(format!(
        "schedule: {flag} works for cron and systemd; for launchd: save the printed plist under \
         ~/Library/LaunchAgents/ and use `launchctl bootstrap gui/$UID <plist>` / `launchctl bootout gui/$UID <plist>`"
    ))
}

/// `schedule systemd --install|--remove`: the unit files and systemctl.
fn systemd_units(job: &Job, action: Action) -> Result<i32> {
    if action == Action::Remove {
        let done = schedule::remove_units(job)?;
        if done.changed {
            println!("disabled {} and removed:", done.timer);
            for f in &done.files {
                println!("  {}", f.display());
            }
        } else {
            println!("no looop units for {}; nothing to do", job.data);
        }
        return Ok(0);
    }
    let done = schedule::install_units(job)?;
    println!(
        "{} and enabled {} (systemctl --user enable --now):",
        if done.changed { "wrote" } else { "kept" },
        done.timer
    );
    for f in &done.files {
        println!("  {}", f.display());
    }
    println!("each beat appends its output to {}", job.log);
    println!("to keep beating while you are logged out: loginctl enable-linger \"$USER\"");
    Ok(0)
}

/// Put the line into the crontab and say what changed.
fn install_line(profile: &crate::paths::Profile, job: &Job, line: &str) -> Result<i32> {
    match schedule::install(profile, job, line)? {
        Edit::Unchanged => {
            println!(
                "already in your crontab for {}; nothing changed:\n{line}",
                job.data
            );
            return Ok(0);
        }
        Edit::Added => println!("installed in your crontab:\n{line}"),
        _ => println!("updated this profile's line in your crontab:\n{line}"),
    }
    println!("each beat appends its output to {}", job.log);
    Ok(0)
}
