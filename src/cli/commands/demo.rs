//! `looop demo [--keep]` and the hidden `looop _demo_decide`, the demo
//! profile's scripted tick "AI".

use crate::cli::args::Args;
use crate::color;
use crate::demo::{self, Show};
use crate::paths::Profile;
use anyhow::Result;
use std::io::Read;

/// `looop demo [--keep]`.
pub fn run(mut args: Args) -> Result<i32> {
    let keep = args.flag(&["--keep"]);
    args.finish()?;
    let finished = demo::run(keep, &mut show)?;
    if let Some(kept) = &finished.kept {
        println!();
        println!("The demo profile is kept at {}", kept.root.display());
        println!(
            "Explore it with: LOOOP_DATA_DIR={} LOOOP_CONFIG={} looop status",
            kept.profile.data.display(),
            kept.profile.config.display()
        );
    }
    println!();
    println!(
        "{} in {:.1} s.",
        color::green("demo finished"),
        finished.elapsed_secs
    );
    Ok(0)
}

/// Print one thing the demo shows: narration in bold, commands dimmed,
/// their output indented.
fn show(what: Show) {
    match what {
        Show::Begin(data) => {
            println!(
                "{}",
                color::bold(
                    "looop demo: one loop, start to finish, with a scripted decider instead of an AI."
                )
            );
            println!(
                "{}",
                color::dim(&format!("(temporary profile: {})", data.display()))
            );
        }
        Show::Step { what, args } => {
            println!();
            println!("{} {what}", color::bold("==>"));
            println!("    {}", color::dim(&format!("$ looop {}", args.join(" "))));
        }
        Show::Output(line) => println!("    {line}"),
        Show::Remark(text) => println!("  {text}"),
        Show::Waiting(what) => {
            println!();
            println!("{} waiting for {what}...", color::dim("..."));
        }
        Show::Journal(journal) => {
            println!();
            println!(
                "{}",
                color::bold("==> The journal looop wrote, one line per move:")
            );
            for line in journal.lines() {
                println!("    {line}");
            }
        }
        Show::Warning(text) => eprintln!("looop: warning: {text}"),
    }
}

/// `looop _demo_decide`: read the prompt from stdin (and ignore it), print
/// the scripted move as a runner would answer.
pub fn decide(args: Args) -> Result<i32> {
    args.finish()?;
    // Drain the prompt so the runner never sees a broken pipe; its content
    // does not matter to a script.
    let mut prompt = String::new();
    // A read error only means there was no prompt to drain.
    let _ = std::io::stdin().read_to_string(&mut prompt);
    let profile = Profile::look()?;
    let mv = demo::decider::next_move(&profile)?;
    println!(
        "(scripted demo decider, not an AI: read a {} byte prompt)",
        prompt.len()
    );
    println!("{}", serde_json::to_string(&mv)?);
    Ok(0)
}
