//! Tests of the ledger totals.

use super::*;

#[test]
fn two_halves_sum_as_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cost.jsonl");
    let mut text = String::new();
    for i in 0..400 {
        let day = 1 + i % 28;
        let ts = format!("2026-11-{day:02}T10:00:00Z");
        text += &match i % 4 {
            0 => format!(
                r#"{{"ts":"{ts}","kind":"tick","id":"run-{i}","runner":"claude","cost_usd":0.25}}"#
            ),
            1 => format!(
                r#"{{"ts":"{ts}","kind":"session","id":"w{}","runner":"pi","cost_usd":0.5,"input_tokens":7,"source":"transcript","model":"m","goal":"g"}}"#,
                i % 7
            ),
            2 => format!(
                r#"{{"ts":"{ts}","kind":"session","id":"looop-w{}","runner":"pi","cost_usd":2}}"#,
                i % 11
            ),
            _ => format!(
                r#"{{"ts":"{ts}","kind":"session","id":"w{}","runner":"x","cost_usd":null,"output_tokens":3,"source":"transcript","model":"n"}}"#,
                i % 5
            ),
        };
        text += if i % 50 == 0 { "\nnot json\n" } else { "\n" };
    }
    std::fs::write(&path, text).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    for (scope, by) in [(Scope::All, Some(By::Id)), (Scope::Month, Some(By::Day))] {
        let one = tally_split(&path, scope, by, today, u64::MAX).unwrap();
        let two = tally_split(&path, scope, by, today, 0).unwrap();
        let round = |m: &ByName| -> BTreeMap<String, (i64, u64, u64)> {
            m.iter()
                .map(|(k, t)| {
                    (
                        k.clone(),
                        ((t.usd * 1e6).round() as i64, t.calls, t.unpriced_tokens),
                    )
                })
                .collect()
        };
        assert_eq!(
            (one.total.calls, one.skipped),
            (two.total.calls, two.skipped)
        );
        assert_eq!(one.skipped, 8);
        assert!((one.total.usd - two.total.usd).abs() < 1e-9);
        assert_eq!(one.self_reports_left_out, two.self_reports_left_out);
        assert!(one.self_reports_left_out > 0);
        assert_eq!(
            (one.input_tokens, one.output_tokens),
            (two.input_tokens, two.output_tokens)
        );
        for (a, b) in [
            (&one.by_kind, &two.by_kind),
            (&one.by_runner, &two.by_runner),
            (&one.by_id, &two.by_id),
            (&one.by_goal, &two.by_goal),
            (&one.by_session, &two.by_session),
            (&one.by_model, &two.by_model),
        ] {
            assert_eq!(round(a), round(b));
        }
        assert_eq!(one.by_day.len(), two.by_day.len());
        assert!((one.spent_today_usd - two.spent_today_usd).abs() < 1e-9);
    }
}

#[test]
fn scopes_are_whole_local_days() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(Scope::Today.first_day(today), Some(today));
    assert_eq!(
        Scope::Week.first_day(today),
        NaiveDate::from_ymd_opt(2026, 11, 17)
    );
    assert_eq!(
        Scope::Month.first_day(today),
        NaiveDate::from_ymd_opt(2026, 11, 1)
    );
    assert_eq!(Scope::All.first_day(today), None);
}
