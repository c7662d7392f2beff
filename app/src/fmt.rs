//! Numbers, durations and times, written the way each language writes them:
//! Persian with Persian digits (۰–۹), its own separators and Solar Hijri dates,
//! English with Latin digits and Gregorian dates.
//!
//! Every function takes the locale, so the server render and the hydrated page
//! (and the command line, with `Locale::en`) format the same value the same way.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};

use crate::i18n::{Locale, td_string};

/// `12345` → `12,345` in English, `۱۲٬۳۴۵` in Persian.
pub fn number(locale: Locale, n: u64) -> String {
    let separator = match locale {
        Locale::en => ',',
        Locale::fa => '٬',
    };
    let plain = n.to_string();
    let mut grouped = String::with_capacity(plain.len() + plain.len() / 3);
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && (plain.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    digits(locale, &grouped)
}

/// `text` with its ASCII digits in the locale's digits (Persian: ۰–۹; a decimal
/// point becomes the Persian `٫`). Everything else is left as it is.
pub fn digits(locale: Locale, text: &str) -> String {
    match locale {
        Locale::en => text.to_owned(),
        Locale::fa => text
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32('۰' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
                '.' => '٫',
                _ => c,
            })
            .collect(),
    }
}

/// `text` set apart from the sentence around it (Unicode's first-strong isolate),
/// so a Latin value keeps its order inside a Persian sentence and the other way
/// round.
pub fn isolate(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

/// A whole number as a person may type it: ASCII, Persian (۰–۹) or Arabic-Indic
/// (٠–٩) digits, blanks around it, thousands separators (`,` `٬`) inside.
pub fn parse_number(text: &str) -> Option<u64> {
    let digits: String = ascii_digits(text.trim())
        .chars()
        .filter(|c| !matches!(c, ',' | '٬'))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `text` with its Persian (۰–۹) and Arabic-Indic (٠–٩) digits as ASCII ones.
pub fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '۰'..='۹' => char::from_u32(c as u32 - '۰' as u32 + '0' as u32).unwrap_or(c),
            '٠'..='٩' => char::from_u32(c as u32 - '٠' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// How long something took: `850 ms`, `1.2 s`, `3 min 5 s`.
pub fn duration(locale: Locale, ms: u64) -> String {
    match ms {
        0..1_000 => td_string!(
            locale,
            time.milliseconds,
            n = digits(locale, &ms.to_string())
        )
        .to_string(),
        1_000..60_000 => {
            let seconds = format!("{:.1}", ms as f64 / 1_000.0);
            td_string!(locale, time.seconds, n = digits(locale, &seconds)).to_string()
        }
        _ => td_string!(
            locale,
            time.minutes_seconds,
            m = digits(locale, &(ms / 60_000).to_string()),
            s = digits(locale, &(ms % 60_000 / 1_000).to_string())
        )
        .to_string(),
    }
}

/// `at` seen from `now`: `just now`, `5 min ago`, `in 2 h`.
pub fn relative(locale: Locale, delta: TimeDelta) -> String {
    let seconds = delta.num_seconds();
    let amount = seconds.unsigned_abs();
    let n = |value: u64| digits(locale, &value.to_string());
    let span = match amount {
        0..60 => return td_string!(locale, time.just_now).to_string(),
        60..3_600 => td_string!(locale, time.minutes, n = n(amount / 60)).to_string(),
        3_600..86_400 => td_string!(locale, time.hours, n = n(amount / 3_600)).to_string(),
        _ => td_string!(locale, time.days, n = n(amount / 86_400)).to_string(),
    };
    if seconds > 0 {
        td_string!(locale, time.from_now, span = span).to_string()
    } else {
        td_string!(locale, time.ago, span = span).to_string()
    }
}

/// A date and time of the mill, to the minute: `2026-11-23 14:05` in English,
/// `۱۴۰۵/۰۹/۰۲ ۱۴:۰۵` (Solar Hijri) in Persian.
pub fn date_time(locale: Locale, local: NaiveDateTime) -> String {
    let text = format!(
        "{} {:02}:{:02}",
        date(locale, local),
        local.hour(),
        local.minute()
    );
    digits(locale, &text)
}

/// A time of day of the mill, to the second: `14:05:09`.
pub fn time_of_day(locale: Locale, local: NaiveDateTime) -> String {
    let text = format!(
        "{:02}:{:02}:{:02}",
        local.hour(),
        local.minute(),
        local.second()
    );
    digits(locale, &text)
}

/// A calendar date of the mill: `2026-11-23` in English, `۱۴۰۵/۰۹/۰۲` (Solar
/// Hijri) in Persian.
pub fn calendar_date(locale: Locale, day: NaiveDate) -> String {
    digits(locale, &date(locale, day))
}

/// The calendar date, in the locale's calendar, with Latin digits.
fn date(locale: Locale, day: impl Datelike) -> String {
    let (year, month, day) = (day.year(), day.month(), day.day());
    match locale {
        Locale::en => format!("{year:04}-{month:02}-{day:02}"),
        Locale::fa => match solar_hijri(year, month, day) {
            Some((year, month, day)) => format!("{year:04}/{month:02}/{day:02}"),
            // Outside ICU's range (not a date a reel has): say it as it is.
            None => format!("{year:04}-{month:02}-{day:02}"),
        },
    }
}

/// A day as a person types it: `2026-12-07` (Gregorian, as a date picker
/// sends it) or `1405/09/16` (Solar Hijri, as the Persian pages show days), in
/// any digits; `None` for anything else.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = ascii_digits(text.trim());
    if let Ok(day) = NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
        return Some(day);
    }
    let mut parts = text.split('/').map(|part| part.trim().parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    let persian = icu_calendar::Date::try_new_persian(
        i32::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let iso = persian.to_calendar(icu_calendar::Iso);
    NaiveDate::from_ymd_opt(
        iso.era_year().year,
        u32::from(iso.month().ordinal),
        u32::from(iso.day_of_month().0),
    )
}

/// A Gregorian date in the Solar Hijri calendar, by ICU's arithmetic.
fn solar_hijri(year: i32, month: u32, day: u32) -> Option<(i32, u8, u8)> {
    let iso =
        icu_calendar::Date::try_new_iso(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
            .ok()?;
    let persian = iso.to_calendar(icu_calendar::cal::Persian);
    Some((
        persian.era_year().year,
        persian.month().ordinal,
        persian.day_of_month().0,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 9)
            .unwrap()
    }

    #[test]
    fn numbers_are_grouped_in_each_languages_digits() {
        assert_eq!(number(Locale::en, 0), "0");
        assert_eq!(number(Locale::en, 999), "999");
        assert_eq!(number(Locale::en, 1_234_567), "1,234,567");
        assert_eq!(number(Locale::fa, 1_204), "۱٬۲۰۴");
        assert_eq!(number(Locale::fa, 70_223), "۷۰٬۲۲۳");
    }

    #[test]
    fn numbers_are_read_in_any_of_the_digits_people_type() {
        assert_eq!(parse_number("60"), Some(60));
        assert_eq!(parse_number(" ۱۴۴۰ "), Some(1_440));
        assert_eq!(parse_number("١٠"), Some(10));
        assert_eq!(parse_number("10,080"), Some(10_080));
        assert_eq!(parse_number("۱۰٬۰۸۰"), Some(10_080));
        for bad in ["", " ", "-1", "1.5", "6O", "+3"] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_read_naturally_in_both_languages() {
        assert_eq!(duration(Locale::en, 850), "850 ms");
        assert_eq!(duration(Locale::en, 4_200), "4.2 s");
        assert_eq!(duration(Locale::en, 185_000), "3 min 5 s");
        assert_eq!(duration(Locale::fa, 4_200), "۴٫۲ ثانیه");
        assert_eq!(duration(Locale::fa, 185_000), "۳ دقیقه و ۵ ثانیه");
    }

    #[test]
    fn relative_times_say_past_and_future() {
        assert_eq!(relative(Locale::en, TimeDelta::seconds(-30)), "just now");
        assert_eq!(relative(Locale::en, TimeDelta::minutes(-5)), "5 min ago");
        assert_eq!(relative(Locale::en, TimeDelta::hours(2)), "in 2 h");
        assert_eq!(relative(Locale::fa, TimeDelta::minutes(-5)), "۵ دقیقه پیش");
        assert_eq!(relative(Locale::fa, TimeDelta::days(3)), "۳ روز دیگر");
    }

    #[test]
    fn days_are_read_in_either_calendar_and_any_digits() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(parse_day("2026-12-07"), Some(day));
        assert_eq!(parse_day("۱۴۰۵/۰۹/۱۶"), Some(day));
        assert_eq!(parse_day(" 1405/9/16 "), Some(day));
        assert_eq!(parse_day(&calendar_date(Locale::fa, day)), Some(day));
        assert_eq!(parse_day("1405/13/01"), None);
        assert_eq!(parse_day("1405/09/16/1"), None);
        assert_eq!(parse_day("yesterday"), None);
    }

    #[test]
    fn persian_dates_are_solar_hijri() {
        // Nowruz 1405 fell on 21 March 2026; 1 December 2026 is 10 Azar 1405.
        assert_eq!(
            date_time(Locale::fa, at(2026, 3, 21, 8, 0)),
            "۱۴۰۵/۰۱/۰۱ ۰۸:۰۰"
        );
        assert_eq!(
            date_time(Locale::fa, at(2026, 12, 1, 14, 5)),
            "۱۴۰۵/۰۹/۱۰ ۱۴:۰۵"
        );
        assert_eq!(
            date_time(Locale::en, at(2026, 12, 1, 14, 5)),
            "2026-12-01 14:05"
        );
        assert_eq!(time_of_day(Locale::fa, at(2026, 12, 1, 14, 5)), "۱۴:۰۵:۰۹");
        let day = at(2026, 12, 1, 0, 0).date();
        assert_eq!(calendar_date(Locale::fa, day), "۱۴۰۵/۰۹/۱۰");
        assert_eq!(calendar_date(Locale::en, day), "2026-12-01");
    }
}
