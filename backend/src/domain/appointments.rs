//! The pure rules of appointments (issue 15, decision 028): which slots a topic's owner can be
//! booked for. Working hours are wall-clock times in one time zone (so a slot at 09:00 stays at
//! 09:00 across a daylight-saving change); slots are cut from them back to back, and a slot is
//! offered when it starts after the minimum notice, before the horizon, and keeps the buffer
//! clear of every busy interval on the owner's calendar. Everything here takes "now" as an
//! argument: nothing reads the clock.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::{TextError, TextRule, text_schema};

/// A bookable time: from `start` (inclusive) to `end` (exclusive), UTC instants.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub struct Slot {
    /// When the slot starts (RFC 3339, UTC).
    pub start: DateTime<Utc>,
    /// When it ends (RFC 3339, UTC).
    pub end: DateTime<Utc>,
}

/// Time on an owner's calendar that is not free (an Event that does not show as Free).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One span of working hours of a day, in minutes after local midnight (`end` may be 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// `"09:00-12:00"` (24-hour `HH:MM`; the end may be `24:00`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let minutes = |part: &str| -> Option<u32> {
            let (h, m) = part.trim().split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not a span like \"09:00-12:00\""))?;
        match (minutes(a), minutes(b)) {
            (Some(start), Some(end)) if start < end => Ok(Self { start, end }),
            (Some(_), Some(_)) => Err(format!("{text:?} ends before it starts")),
            _ => Err(format!(
                "{text:?} is not a span like \"09:00-12:00\" (24-hour HH:MM)"
            )),
        }
    }
}

/// When a topic's owner can be booked: the validated form of `[appointments]`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub zone: Tz,
    /// Working hours per weekday, Monday first, each day's spans in order and apart.
    pub hours: [Vec<Span>; 7],
    pub slot: Duration,
    pub buffer: Duration,
    pub min_notice: Duration,
    pub horizon: Duration,
}

/// The local instant `minutes` after midnight of `day` in `zone`, as UTC: the earlier of two
/// when the clock goes back, none when it skips the time (spring forward).
fn local(zone: Tz, day: NaiveDate, minutes: u32) -> Option<DateTime<Utc>> {
    let midnight = day.and_time(NaiveTime::MIN);
    let naive = midnight + Duration::minutes(i64::from(minutes));
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl Schedule {
    fn day_spans(&self, day: NaiveDate) -> &[Span] {
        &self.hours[day.weekday().num_days_from_monday() as usize]
    }

    /// Every slot of working hours that starts in `[from, to)`, whatever is booked: the
    /// calendar's grid, before notice, horizon and busy times are applied.
    pub fn grid(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Slot> {
        let mut slots = Vec::new();
        if from >= to {
            return slots;
        }
        let first = from.with_timezone(&self.zone).date_naive() - Duration::days(1);
        let last = to.with_timezone(&self.zone).date_naive() + Duration::days(1);
        let step = u32::try_from(self.slot.num_minutes()).unwrap_or(u32::MAX);
        let mut day = first;
        while day <= last {
            for span in self.day_spans(day) {
                let mut at = span.start;
                while at + step <= span.end {
                    // A slot lasts its length in real time, also across a clock change.
                    if let Some(start) = local(self.zone, day, at)
                        && start >= from
                        && start < to
                    {
                        slots.push(Slot {
                            start,
                            end: start + self.slot,
                        });
                    }
                    at += step;
                }
            }
            day += Duration::days(1);
        }
        slots.sort();
        slots.dedup();
        slots
    }

    /// Whether `slot` keeps the buffer clear of every busy interval.
    pub fn is_free(&self, slot: &Slot, busy: &[Busy]) -> bool {
        let (start, end) = (slot.start - self.buffer, slot.end + self.buffer);
        busy.iter().all(|b| b.end <= start || b.start >= end)
    }

    /// The first moment a slot may start at, `now`: after the minimum notice.
    pub fn earliest(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.min_notice
    }

    /// The moment no slot may start at or after: the horizon.
    pub fn latest(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.horizon
    }

    /// The slots offered in `[from, to)` at `now`: the grid, after the notice and before the
    /// horizon, clear of `busy`.
    pub fn offered(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
        busy: &[Busy],
    ) -> Vec<Slot> {
        let from = from.max(self.earliest(now));
        let to = to.min(self.latest(now));
        self.grid(from, to)
            .into_iter()
            .filter(|slot| self.is_free(slot, busy))
            .collect()
    }

    /// The slot of the grid starting at `start`, if it is one and may be booked at `now`
    /// (busy times aside).
    pub fn slot_at(&self, start: DateTime<Utc>, now: DateTime<Utc>) -> Option<Slot> {
        if start < self.earliest(now) || start >= self.latest(now) {
            return None;
        }
        self.grid(start, start + Duration::seconds(1))
            .into_iter()
            .find(|slot| slot.start == start)
    }
}

/// Monday-first index of a weekday's hours in [`Schedule::hours`].
pub fn weekday_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

/// The booking's slot key (`Portal_Slot_Key__c`): the owner and the start, unique in the org,
/// so two bookings of one owner's slot cannot both be written.
pub fn slot_key(owner: &str, start: DateTime<Utc>) -> String {
    format!("{owner}:{}", start.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// The longest note a customer may leave with a booking.
pub const NOTE_MAX_CHARS: usize = 1_000;

/// A booking's note that passed validation: at most 1,000 characters as sent (stored trimmed),
/// line breaks and tabs kept, other control characters refused. Blank: no note.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AppointmentNote(String);

impl TryFrom<String> for AppointmentNote {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        match Self::RULE.check(&raw) {
            Ok(()) => Ok(Self(raw.trim().to_owned())),
            Err(TextError::TooLong) => Err("The note can be at most 1,000 characters."),
            Err(TextError::ControlCharacter | TextError::Blank) => {
                Err("The note cannot contain control characters.")
            }
        }
    }
}

impl AppointmentNote {
    pub const RULE: TextRule = TextRule {
        max_chars: NOTE_MAX_CHARS,
        required: false,
        multiline: true,
    };

    /// The note, or `None` when it was blank.
    pub fn text(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

text_schema!(
    AppointmentNote,
    AppointmentNote::RULE,
    "What the customer wants to talk about: at most 1,000 characters; line breaks and tabs \
     are kept, other control characters refused. Blank: no note. Stored trimmed."
);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn berlin() -> Schedule {
        let week = vec![
            Span::parse("09:00-12:00").unwrap(),
            Span::parse("13:00-17:00").unwrap(),
        ];
        Schedule {
            zone: chrono_tz::Europe::Berlin,
            hours: [
                week.clone(),
                week.clone(),
                week.clone(),
                week.clone(),
                vec![Span::parse("09:00-12:00").unwrap()],
                Vec::new(),
                Vec::new(),
            ],
            slot: Duration::minutes(30),
            buffer: Duration::minutes(10),
            min_notice: Duration::hours(4),
            horizon: Duration::days(28),
        }
    }

    #[test]
    fn spans_parse_and_bad_ones_are_named() {
        assert_eq!(
            Span::parse("09:30-24:00").unwrap(),
            Span {
                start: 570,
                end: 1440
            }
        );
        for bad in [
            "9:00-12:00",
            "12:00-09:00",
            "09:00",
            "25:00-26:00",
            "09:60-10:00",
        ] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
    }

    /// A Monday in winter (UTC+1): 6 morning slots and 8 afternoon slots, at local 09:00...
    #[test]
    fn a_working_day_is_cut_into_slots_in_the_zone() {
        let s = berlin();
        let slots = s.grid(at("2026-01-12T00:00:00Z"), at("2026-01-13T00:00:00Z"));
        assert_eq!(slots.len(), 14);
        assert_eq!(slots[0].start, at("2026-01-12T08:00:00Z"));
        assert_eq!(slots[0].end, at("2026-01-12T08:30:00Z"));
        assert_eq!(slots[5].start, at("2026-01-12T10:30:00Z"));
        assert_eq!(slots[6].start, at("2026-01-12T12:00:00Z"));
        assert_eq!(slots[13].end, at("2026-01-12T16:00:00Z"));
        // Saturday and Sunday have no hours.
        assert!(
            s.grid(at("2026-01-17T00:00:00Z"), at("2026-01-19T00:00:00Z"))
                .is_empty()
        );
    }

    /// Daylight saving: the Monday after the change (29 March 2026) starts at 07:00 UTC, still
    /// 09:00 in Berlin; an hour that does not exist locally makes no slot.
    #[test]
    fn slots_keep_their_wall_clock_time_across_daylight_saving() {
        let s = berlin();
        let before = s.grid(at("2026-03-27T00:00:00Z"), at("2026-03-28T00:00:00Z"));
        assert_eq!(before[0].start, at("2026-03-27T08:00:00Z"));
        let after = s.grid(at("2026-03-30T00:00:00Z"), at("2026-03-31T00:00:00Z"));
        assert_eq!(after[0].start, at("2026-03-30T07:00:00Z"));
        let mut night = berlin();
        night.hours[6] = vec![Span::parse("01:00-04:00").unwrap()];
        let sunday = night.grid(at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z"));
        // 01:00-02:00 (two slots), 02:00-03:00 does not exist, 03:00-04:00 (two slots).
        assert_eq!(sunday.len(), 4, "{sunday:?}");
        assert!(
            sunday
                .iter()
                .all(|s| s.end - s.start == Duration::minutes(30))
        );
    }

    #[test]
    fn notice_horizon_and_busy_time_with_its_buffer_are_left_out() {
        let s = berlin();
        let now = at("2026-01-12T07:00:00Z"); // 08:00 in Berlin
        let busy = [Busy {
            start: at("2026-01-12T13:00:00Z"),
            end: at("2026-01-12T14:00:00Z"),
        }];
        let offered = s.offered(
            at("2026-01-12T00:00:00Z"),
            at("2026-01-13T00:00:00Z"),
            now,
            &busy,
        );
        let starts: Vec<String> = offered
            .iter()
            .map(|s| s.start.format("%H:%M").to_string())
            .collect();
        // Notice: nothing before 11:00 UTC. Busy 13:00-14:00 plus 10 minutes either side
        // blocks 12:30, 13:00, 13:30 and 14:00.
        assert_eq!(starts, ["12:00", "14:30", "15:00", "15:30"]);
        assert!(s.slot_at(at("2026-01-12T12:00:00Z"), now).is_some());
        assert!(s.slot_at(at("2026-01-12T12:10:00Z"), now).is_none());
        assert!(s.slot_at(at("2026-01-12T08:00:00Z"), now).is_none());
        assert!(
            s.slot_at(at("2026-03-02T08:00:00Z"), now).is_none(),
            "past the horizon"
        );
    }

    #[test]
    fn the_slot_key_names_owner_and_start() {
        assert_eq!(
            slot_key("005Dn000l57zP3iIAE", at("2026-01-12T08:00:00Z")),
            "005Dn000l57zP3iIAE:2026-01-12T08:00:00Z"
        );
    }
}
