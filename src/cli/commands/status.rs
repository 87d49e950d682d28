//! `looop status [--json]`: the profile at a glance, or its JSON.

use crate::cli::args::Args;
use crate::cli::open;
use crate::ids::PULSE_SESSION;
use crate::pulse::{self, Status};
use crate::text::visible::one_line;
use crate::{color, ledger};
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let json = args.flag(&["--json"]);
    args.finish()?;
    let (profile, config) = open::look()?;
    // Today's spend includes what the workers spent up to now.
    crate::meter::bring_up_to_date(&profile, &config.prices)?;
    let status = pulse::status(&profile, &config)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print_human(&status);
    }
    Ok(0)
}

fn print_human(s: &Status) {
    let pulse = if s.pulse.up {
        color::green(&format!(
            "up ({PULSE_SESSION}, pid {})",
            s.pulse.pid.map(|p| p.to_string()).unwrap_or("?".into())
        ))
    } else if s.schedule.kind != "down" {
        color::green(&one_line(&s.schedule.text))
    } else {
        "down (`looop up` starts it; `looop schedule cron --install` runs `looop tick` from cron)"
            .to_string()
    };
    println!(
        "pulse:      {pulse}{}",
        if s.beat_running {
            "; a beat is running now"
        } else {
            ""
        }
    );
    match s.last_beat.as_ref().map(|b| &b.record) {
        Some(b) => println!(
            "last beat:  {} {}: {}",
            one_line(&b.at),
            b.outcome,
            one_line(&b.detail)
        ),
        None => println!("last beat:  none yet"),
    }
    if let Some(f) = &s.last_failure {
        println!(
            "last failure: {} {}",
            one_line(&f.at),
            color::red(&one_line(&f.reason))
        );
    }
    if s.consecutive_failures > 1 {
        println!(
            "failing:    {} beats in a row (see {}/tick.log or `looop log pulse`)",
            s.consecutive_failures, s.paths.data
        );
    }
    let flagged = s.workers.iter().filter(|w| w.flagged).count();
    let live = s.workers.iter().filter(|w| w.alive).count();
    println!(
        "workers:    {live} live, {} on disk, {flagged} flagged",
        s.workers.len()
    );
    for w in &s.workers {
        let state = w.state.as_str();
        let code = w
            .exit_code
            .map(|c| format!(" exit {c}"))
            .unwrap_or_default();
        let flag = if w.flagged {
            format!("  ⚑ {}", one_line(w.note.as_deref().unwrap_or("")))
        } else {
            String::new()
        };
        let activity = w
            .activity
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        println!("  {:<20} {state}{activity}{code}{flag}", one_line(&w.id));
    }
    if s.claims.is_empty() {
        println!("claims:     none");
    } else {
        println!("claims:");
        for c in &s.claims {
            println!("  {:<20} {}", one_line(&c.name), one_line(&c.session));
        }
    }
    if s.daily_budget_usd > 0.0 {
        println!(
            "cost today: {} of {} daily budget",
            ledger::usd(s.cost_today_usd),
            ledger::usd(s.daily_budget_usd)
        );
    } else {
        println!(
            "cost today: {} (no daily budget)",
            ledger::usd(s.cost_today_usd)
        );
    }
    print_pauses(&s.pauses);
    if !s.needs_you_lines.is_empty() {
        println!("{}", color::bold(&color::yellow("NEEDS YOU")));
        for l in &s.needs_you_lines {
            println!("  {}", one_line(l));
        }
    }
    println!("config:     {}", s.paths.config);
    println!("data dir:   {}", s.paths.data);
}

/// One line per paused runner; a budget pause (every runner at once) is
/// one line.
fn print_pauses(pauses: &[crate::pause::Pause]) {
    use crate::pause::Reason;
    let budget: Vec<_> = pauses
        .iter()
        .filter(|p| p.reason == Reason::Budget)
        .collect();
    if let Some(first) = budget.first() {
        let line = first.describe().replace(
            &format!("({} daily budget)", first.runner),
            "(every runner: daily budget)",
        );
        println!("{line}");
    }
    for p in pauses.iter().filter(|p| p.reason != Reason::Budget) {
        println!("{}", p.describe());
    }
}
