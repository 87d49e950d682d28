//! `looop claim <name>` and `looop unclaim <name>`: take and give back a
//! lease for the session named by `--session S` or `$LOOOP_SESSION_ID`.

use crate::claims::{self, Taken};
use crate::cli::Args;
use crate::config::Config;
use crate::ids;
use crate::paths::Profile;
use anyhow::Result;

/// The session a claim command acts for: `--session S`, else
/// `$LOOOP_SESSION_ID`, as a session name (`looop-<id>`).
fn session_arg(args: &mut Args) -> Result<String> {
    let session = match args.value("--session")? {
        Some(s) => s,
        None => std::env::var("LOOOP_SESSION_ID").unwrap_or_default(),
    };
    if session.is_empty() {
        return Err(args.usage_error(
            "needs a session: run it inside a worker ($LOOOP_SESSION_ID) or pass --session S",
        ));
    }
    // `<id>` or `looop-<id>`, as everywhere; a 64-character id makes a
    // 70-character session name, so check the id, not the name.
    Ok(ids::WorkerId::parse(&session)?.session())
}

/// The session and the claim name, validated before the profile is opened.
fn parse(mut args: Args) -> Result<(String, String)> {
    let session = session_arg(&mut args)?;
    let name = args.required("name")?;
    args.finish()?;
    ids::check("claim name", &name)?;
    Ok((session, name))
}

pub fn claim(args: Args) -> Result<i32> {
    let (session, name) = parse(args)?;
    let profile = Profile::with_layout()?;
    // A lost owner waiting to be resumed keeps its claims (CONTRACT §11).
    // Asked only when the owner is dead; a config that cannot be read then
    // costs the lost owner its grace, never the claimer its claim.
    let kept = |owner: &claims::Claim| {
        let owner = ids::session_name(&owner.session);
        let keeps =
            Config::load(&profile.config).and_then(|config| {
                match crate::supervisor::get(&profile, &owner)? {
                    Some(view) => {
                        crate::resume::keeps_claims(&profile, &config, &view, chrono::Utc::now())
                    }
                    None => Ok(false),
                }
            });
        keeps.unwrap_or_else(|e| {
            eprintln!("looop: warning: cannot tell whether lost {owner} keeps its claims: {e:#}");
            false
        })
    };
    match claims::take(&profile, &name, &session, kept)? {
        Taken::New => println!("claimed {name} for {session}"),
        Taken::AlreadyYours => println!("{name} is already claimed by {session}"),
        Taken::TookOver(prev) => {
            println!(
                "claimed {name} for {session} (taken over from {}, not alive)",
                crate::text::visible::one_line(&prev)
            )
        }
    }
    Ok(0)
}

pub fn unclaim(args: Args) -> Result<i32> {
    let (session, name) = parse(args)?;
    let profile = Profile::with_layout()?;
    if claims::release(&profile, &name, &session)? {
        println!("released {name}");
    } else {
        println!("{name} was not claimed");
    }
    Ok(0)
}
