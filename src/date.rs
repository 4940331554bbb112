//! Dates in outputs: from `SOURCE_DATE_EPOCH`, else the book's date, else a
//! fixed date, never the wall clock, so builds are reproducible.

/// A UTC timestamp, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
    /// Second 0–59.
    pub second: u32,
}

/// The date used when neither `SOURCE_DATE_EPOCH` nor the book gives one.
pub const FALLBACK: Timestamp = Timestamp {
    year: 2000,
    month: 1,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
};

impl Timestamp {
    /// From seconds since 1970-01-01 UTC (Howard Hinnant's `civil_from_days`).
    /// Clamped to 1970–9999 (`SOURCE_DATE_EPOCH` is never negative, and PDF
    /// and W3C dates have four-digit years).
    pub fn from_unix(seconds: i64) -> Self {
        // 1970-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
        let seconds = seconds.clamp(0, 253_402_300_799);
        let days = seconds.div_euclid(86_400);
        let rest = seconds.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Timestamp {
            year,
            month,
            day,
            hour: (rest / 3600) as u32,
            minute: (rest % 3600 / 60) as u32,
            second: (rest % 60) as u32,
        }
    }

    /// From `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (anything after is ignored).
    pub fn parse_date(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i32 = parts.next()?.get(..4)?.parse().ok()?;
        let month: u32 = parts.next().map_or(Some(1), |m| m.get(..2)?.parse().ok())?;
        let day: u32 = parts.next().map_or(Some(1), |d| d.get(..2)?.parse().ok())?;
        ((1..=12).contains(&month) && (1..=31).contains(&day) && (0..=9999).contains(&year))
            .then_some(Timestamp {
                year,
                month,
                day,
                ..FALLBACK
            })
    }

    /// `SOURCE_DATE_EPOCH` if given, else the book's date, else [`FALLBACK`].
    pub fn for_build(source_date_epoch: Option<i64>, book_date: Option<&str>) -> Self {
        source_date_epoch
            .map(Timestamp::from_unix)
            .or_else(|| book_date.and_then(Timestamp::parse_date))
            .unwrap_or(FALLBACK)
    }

    /// ISO 8601 / W3CDTF, as EPUB's `dcterms:modified` wants: `2026-11-28T00:00:00Z`.
    pub fn iso8601(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// PDF date string: `D:20261128000000Z`.
    pub fn pdf(&self) -> String {
        format!(
            "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_conversions() {
        assert_eq!(Timestamp::from_unix(0).iso8601(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_unix(1_700_000_000).iso8601(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            Timestamp::from_unix(951_782_400).iso8601(),
            "2000-02-29T00:00:00Z"
        );
        // out of range (a hostile SOURCE_DATE_EPOCH): clamped, never garbage
        assert_eq!(Timestamp::from_unix(i64::MAX).pdf(), "D:99991231235959Z");
        assert_eq!(
            Timestamp::from_unix(i64::MIN).iso8601(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn source_date_epoch_wins_then_book_date() {
        assert_eq!(Timestamp::for_build(Some(0), Some("2021-05-06")).year, 1970);
        let t = Timestamp::for_build(None, Some("2021-05-06"));
        assert_eq!((t.year, t.month, t.day), (2021, 5, 6));
        assert_eq!(Timestamp::for_build(None, Some("bogus")), FALLBACK);
        assert_eq!(Timestamp::for_build(None, None).pdf(), "D:20000101000000Z");
    }
}
