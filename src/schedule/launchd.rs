//! The launchd user agent: a property list that runs one beat every
//! `StartInterval` seconds, with the environment spelled out (launchd jobs
//! inherit almost nothing) and both output streams appended to `tick.log`.

use super::job::Job;

/// The agent's label, also its file name under `~/Library/LaunchAgents/`.
pub fn label(job: &Job) -> String {
    label_for(&job.key)
}

/// The label for the profile key `key`.
pub fn label_for(key: &str) -> String {
    format!("looop.tick.{key}")
}

/// The whole plist.
pub fn plist(job: &Job) -> String {
    let s = |v: &str| format!("<string>{}</string>", xml_escape(v));
    let label = label(job);
    // An XML comment may not contain "--", so it names the label, not paths.
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- looop: one beat every {every} s for the profile in LOOOP_DATA_DIR below.
     Save as ~/Library/LaunchAgents/{label}.plist, then:
     launchctl bootstrap gui/$UID ~/Library/LaunchAgents/{label}.plist -->
<plist version="1.0">
<dict>
  <key>Label</key>
  {label_s}
  <key>ProgramArguments</key>
  <array>
    {exe}
    <string>tick</string>
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    {path}
    <key>LOOOP_DATA_DIR</key>
    {data}
    <key>LOOOP_CONFIG</key>
    {config}
  </dict>
  <key>StartInterval</key>
  <integer>{every}</integer>
  <key>RunAtLoad</key>
  <true/>
  <key>StandardOutPath</key>
  {log}
  <key>StandardErrorPath</key>
  {log}
  <!-- Workers started by a beat outlive it: do not kill what it leaves. -->
  <key>AbandonProcessGroup</key>
  <true/>
</dict>
</plist>
"#,
        every = job.every_secs,
        label_s = s(&label),
        exe = s(&job.exe),
        path = s(&job.path),
        data = s(&job.data),
        config = s(&job.config),
        log = s(&job.log),
    )
}

/// Escape text for XML character data and attribute values.
fn xml_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(xml_escape(r#"a&b<c>"d'"#), "a&amp;b&lt;c&gt;&quot;d&apos;");
        let job = Job {
            exe: "/opt/<x>/looop".into(),
            data: "/d&d".into(),
            config: "/c".into(),
            path: "/bin".into(),
            log: "/d&d/tick.log".into(),
            key: "00ff".into(),
            every_secs: 120,
            tmux: Vec::new(),
        };
        let p = plist(&job);
        assert!(p.contains("<string>/opt/&lt;x&gt;/looop</string>"), "{p}");
        assert!(p.contains("<string>/d&amp;d</string>"), "{p}");
        assert!(p.contains("<integer>120</integer>"));
        assert!(!p.contains("/d&d"));
    }
}
