//! The dunning run inside `tegoed serve`: once a day at a set time, Europe/Amsterdam, for every
//! tenant. Several servers on one PostgreSQL may all run it: the run stores each action once.

use std::time::Duration;

use jiff::civil::Time;
use jiff::{ToSpan, Zoned};
use store::Db;

use crate::dunning_run::{BATCH_INVOICES, run};

/// The next moment at `at` o'clock after `now`, in `now`'s time zone: today if still ahead,
/// else tomorrow. On a day when `at` does not exist (clocks go forward) the moment after the gap.
pub fn next_run(now: &Zoned, at: Time) -> Zoned {
    let today = now.date().to_datetime(at);
    let candidate = today.to_zoned(now.time_zone().clone()).unwrap_or_else(|_| now.clone());
    if &candidate > now {
        return candidate;
    }
    let tomorrow = now.date().tomorrow().unwrap_or(now.date()).to_datetime(at);
    tomorrow.to_zoned(now.time_zone().clone()).unwrap_or_else(|_| now.checked_add(1.day()).unwrap_or_else(|_| now.clone()))
}

/// Parses the configured time (`HH:MM`), or `None` for `off`.
pub fn parse_run_at(s: &str) -> Result<Option<Time>, String> {
    if s.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    s.trim().parse::<Time>().map(Some).map_err(|e| format!("run_at '{s}': expected HH:MM or off: {e}"))
}

/// Runs dunning for every tenant each day at `at`, until the process stops; then, with a
/// `letters` folder, lays out each tenant's letters of the day into a print file there.
pub async fn daily(db: Db, at: Time, letters: Option<std::path::PathBuf>) {
    let tz = jiff::tz::TimeZone::get(domain::dates::BUSINESS_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    loop {
        let now = Zoned::now().with_time_zone(tz.clone());
        let next = next_run(&now, at);
        let wait = now.duration_until(&next).unsigned_abs();
        tracing::info!(next = %next, "next dunning run");
        tokio::time::sleep(Duration::from_secs_f64(wait.as_secs_f64().max(1.0))).await;
        let day = next.date();
        let tenants = match db.read().await {
            Ok(mut tx) => tx.tenants(store::Page::first(u32::MAX)).await,
            Err(e) => Err(e),
        };
        match tenants {
            Ok(tenants) => {
                for t in tenants {
                    match run(&db, t.id, day, false, BATCH_INVOICES).await {
                        Ok(r) => tracing::info!(tenant = %t.id, %day, stored = r.stored, debtors = r.debtors, "dunning run done"),
                        // A failed run is retried by the next one; nothing half is left behind.
                        Err(e) => tracing::error!(tenant = %t.id, %day, error = %e, "dunning run failed"),
                    }
                    if let Some(dir) = &letters {
                        let worker = channels::outbox::Worker::new(db.clone(), channels::outbox::WorkerSettings::default());
                        match worker.print_letters(t.id, dir).await {
                            Ok(p) if p.letters > 0 => {
                                tracing::info!(tenant = %t.id, letters = p.letters, file = ?p.file, "print file written")
                            }
                            Ok(_) => {}
                            Err(e) => tracing::error!(tenant = %t.id, error = %e, "letters could not be printed"),
                        }
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "dunning run could not list tenants"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn amsterdam(y: i16, m: i8, d: i8, h: i8, min: i8) -> Zoned {
        date(y, m, d).at(h, min, 0, 0).in_tz("Europe/Amsterdam").expect("zone")
    }

    #[test]
    fn today_if_ahead_else_tomorrow() {
        let at = time(6, 30, 0, 0);
        assert_eq!(next_run(&amsterdam(2026, 11, 23, 5, 0), at), amsterdam(2026, 11, 23, 6, 30));
        assert_eq!(next_run(&amsterdam(2026, 11, 23, 6, 30), at), amsterdam(2026, 11, 24, 6, 30));
        assert_eq!(next_run(&amsterdam(2026, 11, 23, 23, 59), at), amsterdam(2026, 11, 24, 6, 30));
    }

    #[test]
    fn daylight_saving_days() {
        // 29 March 2026: clocks go from 02:00 to 03:00 in Amsterdam; 02:30 does not exist.
        let next = next_run(&amsterdam(2026, 3, 28, 12, 0), time(2, 30, 0, 0));
        assert_eq!(next.date(), date(2026, 3, 29));
        assert_eq!(next.hour(), 3, "the moment after the gap");
        // 06:30 in Amsterdam is 04:30 UTC in summer time and 05:30 UTC in winter.
        let summer = next_run(&amsterdam(2026, 7, 1, 0, 0), time(6, 30, 0, 0));
        assert_eq!(summer.timestamp().to_string(), "2026-07-01T04:30:00Z");
        let winter = next_run(&amsterdam(2026, 12, 1, 0, 0), time(6, 30, 0, 0));
        assert_eq!(winter.timestamp().to_string(), "2026-12-01T05:30:00Z");
    }

    #[test]
    fn configured_times() {
        assert_eq!(parse_run_at("06:30"), Ok(Some(time(6, 30, 0, 0))));
        assert_eq!(parse_run_at("off"), Ok(None));
        assert!(parse_run_at("half past six").is_err());
    }
}
